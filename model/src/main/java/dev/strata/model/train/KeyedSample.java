package dev.strata.model.train;

import java.util.Arrays;

/**
 * A uniform sample of exactly {@code capacity} rows that does not depend on the order rows are
 * offered in: every row has a pseudo-random rank (a hash of its key and a salt), and the sample is
 * the {@code capacity} rows of lowest rank (bottom-k sampling), kept in a max-heap of ranks. {@link
 * #rows()} returns them in rank order, so the sample and its order are the same however the input
 * was sharded.
 */
final class KeyedSample {
  private final long salt;
  private final long[] rank;
  private final double[][] row;
  private int size;

  KeyedSample(int capacity, long salt) {
    this.salt = salt;
    this.rank = new long[capacity];
    this.row = new double[capacity][];
  }

  /** Offers a row; the array is kept (not copied) if it enters the sample. */
  void offer(long key, double[] values) {
    if (rank.length == 0) {
      return;
    }
    long r = Examples.mix(key ^ salt);
    if (size < rank.length) {
      rank[size] = r;
      row[size] = values;
      siftUp(size++);
    } else if (r < rank[0]) {
      rank[0] = r;
      row[0] = values;
      siftDown(0);
    }
  }

  /** Would a row with this key enter the sample now? Lets callers skip building the row. */
  boolean wouldTake(long key) {
    if (rank.length == 0) {
      return false; // an empty sample (e.g. no forest) takes nothing
    }
    return size < rank.length || Examples.mix(key ^ salt) < rank[0];
  }

  int size() {
    return size;
  }

  /** The sampled rows, in rank order. */
  double[][] rows() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(rank[a], rank[b]));
    double[][] out = new double[size][];
    for (int i = 0; i < size; i++) {
      out[i] = row[order[i]];
    }
    return out;
  }

  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (rank[parent] >= rank[i]) {
        return;
      }
      swap(i, parent);
      i = parent;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int l = 2 * i + 1;
      int largest = i;
      if (l < size && rank[l] > rank[largest]) {
        largest = l;
      }
      if (l + 1 < size && rank[l + 1] > rank[largest]) {
        largest = l + 1;
      }
      if (largest == i) {
        return;
      }
      swap(i, largest);
      i = largest;
    }
  }

  private void swap(int a, int b) {
    long r = rank[a];
    rank[a] = rank[b];
    rank[b] = r;
    double[] v = row[a];
    row[a] = row[b];
    row[b] = v;
  }
}
