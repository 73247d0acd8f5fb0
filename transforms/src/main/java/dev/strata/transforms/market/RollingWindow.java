package dev.strata.transforms.market;

/**
 * A FIFO window of (volume, adjusted close) pairs with O(1) mean volume and O(log w) median
 * adjusted close. Plain Java; one instance per symbol, not thread-safe.
 *
 * <p>The median uses two indexed heaps over the window's slots (the "mediator" scheme): a max-heap
 * with the lower half and a min-heap with the upper half, the lower never smaller than the upper.
 * Every slot knows its heap position, so evicting the oldest value is a heap delete, O(log w), and
 * nothing is ever re-sorted. The median of an even count is the mean of the two middle values.
 */
public final class RollingWindow {
  private final int capacity;
  private final double[] value; // adjusted close by slot
  private final long[] volume; // volume by slot
  private final int[] lo; // max-heap of slots (lower half)
  private final int[] hi; // min-heap of slots (upper half)
  private final boolean[] inLo; // which heap holds the slot
  private final int[] pos; // the slot's index in its heap
  private int loSize;
  private int hiSize;
  private int head; // slot of the oldest value
  private int size;
  private long volumeSum;

  public RollingWindow(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, but was " + capacity);
    }
    this.capacity = capacity;
    this.value = new double[capacity];
    this.volume = new long[capacity];
    this.lo = new int[capacity];
    this.hi = new int[capacity];
    this.inLo = new boolean[capacity];
    this.pos = new int[capacity];
  }

  public int size() {
    return size;
  }

  public int capacity() {
    return capacity;
  }

  /** Appends the newest pair. The window must not be full: evict first. */
  public void add(long vol, double adjClose) {
    if (size == capacity) {
      throw new IllegalStateException("window is full (" + capacity + "); evict the oldest first");
    }
    int slot = (head + size) % capacity;
    size++;
    value[slot] = adjClose;
    volume[slot] = vol;
    volumeSum += vol;
    if (loSize == 0 || adjClose <= value[lo[0]]) {
      pushLo(slot);
    } else {
      pushHi(slot);
    }
    rebalance();
  }

  /** Removes the oldest pair. */
  public void evictOldest() {
    if (size == 0) {
      throw new IllegalStateException("window is empty");
    }
    int slot = head;
    head = (head + 1) % capacity;
    size--;
    volumeSum -= volume[slot];
    if (inLo[slot]) {
      removeLo(pos[slot]);
    } else {
      removeHi(pos[slot]);
    }
    rebalance();
  }

  /** Mean volume of the window. */
  public double meanVolume() {
    if (size == 0) {
      throw new IllegalStateException("window is empty");
    }
    return (double) volumeSum / size;
  }

  /** Median adjusted close of the window; of an even count, the mean of the two middle values. */
  public double medianAdjClose() {
    if (size == 0) {
      throw new IllegalStateException("window is empty");
    }
    double lower = value[lo[0]];
    if ((size & 1) == 1) {
      return lower;
    }
    double upper = value[hi[0]];
    return (lower + upper) / 2;
  }

  private void rebalance() {
    if (loSize > hiSize + 1) {
      int slot = lo[0];
      removeLo(0);
      pushHi(slot);
    } else if (hiSize > loSize) {
      int slot = hi[0];
      removeHi(0);
      pushLo(slot);
    }
  }

  // ---- lower half: max-heap ----

  private void pushLo(int slot) {
    int i = loSize++;
    lo[i] = slot;
    inLo[slot] = true;
    pos[slot] = i;
    siftUpLo(i);
  }

  private void removeLo(int i) {
    int last = --loSize;
    if (i != last) {
      setLo(i, lo[last]);
      siftDownLo(siftUpLo(i));
    }
  }

  private int siftUpLo(int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (value[lo[parent]] >= value[lo[i]]) {
        break;
      }
      swapLo(i, parent);
      i = parent;
    }
    return i;
  }

  private void siftDownLo(int i) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= loSize) {
        return;
      }
      int big = l + 1 < loSize && value[lo[l + 1]] > value[lo[l]] ? l + 1 : l;
      if (value[lo[i]] >= value[lo[big]]) {
        return;
      }
      swapLo(i, big);
      i = big;
    }
  }

  private void setLo(int i, int slot) {
    lo[i] = slot;
    pos[slot] = i;
  }

  private void swapLo(int a, int b) {
    int sa = lo[a];
    setLo(a, lo[b]);
    setLo(b, sa);
  }

  // ---- upper half: min-heap ----

  private void pushHi(int slot) {
    int i = hiSize++;
    hi[i] = slot;
    inLo[slot] = false;
    pos[slot] = i;
    siftUpHi(i);
  }

  private void removeHi(int i) {
    int last = --hiSize;
    if (i != last) {
      setHi(i, hi[last]);
      siftDownHi(siftUpHi(i));
    }
  }

  private int siftUpHi(int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (value[hi[parent]] <= value[hi[i]]) {
        break;
      }
      swapHi(i, parent);
      i = parent;
    }
    return i;
  }

  private void siftDownHi(int i) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= hiSize) {
        return;
      }
      int small = l + 1 < hiSize && value[hi[l + 1]] < value[hi[l]] ? l + 1 : l;
      if (value[hi[i]] <= value[hi[small]]) {
        return;
      }
      swapHi(i, small);
      i = small;
    }
  }

  private void setHi(int i, int slot) {
    hi[i] = slot;
    pos[slot] = i;
  }

  private void swapHi(int a, int b) {
    int sa = hi[a];
    setHi(a, hi[b]);
    setHi(b, sa);
  }
}
