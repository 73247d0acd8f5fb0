package dev.strata.model.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The order training visits rows in: seeded permutations, applied to rows first put in key order so
 * that the result does not depend on the order they were spilled in.
 */
final class ShuffleOrder {
  private ShuffleOrder() {}

  /** The rows of a bucket with these keys in a random order that depends only on keys and seed. */
  static int[] ofRows(long[] keys, long seed) {
    int n = keys.length;
    int[] canonical = keyOrder(keys);
    int[] shuffled = permutation(n, new SplittableRandom(seed));
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = canonical[shuffled[i]];
    }
    return order;
  }

  /** A uniformly random permutation of {@code 0..n-1} (Fisher-Yates). */
  static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * The indices of {@code keys} in ascending key order. Sorts (high 43 key bits, 21-bit index)
   * packed into one long, then settles the rare runs with equal high bits by the full key.
   */
  static int[] keyOrder(long[] keys) {
    int n = keys.length;
    int[] order = new int[n];
    if (n > 1 << 21) {
      Integer[] boxed = new Integer[n];
      for (int i = 0; i < n; i++) {
        boxed[i] = i;
      }
      Arrays.sort(boxed, (a, b) -> Long.compare(keys[a], keys[b]));
      for (int i = 0; i < n; i++) {
        order[i] = boxed[i];
      }
      return order;
    }
    long low = (1L << 21) - 1;
    long[] packed = new long[n];
    for (int i = 0; i < n; i++) {
      packed[i] = (keys[i] & ~low) | i;
    }
    Arrays.sort(packed);
    for (int i = 0; i < n; i++) {
      order[i] = (int) (packed[i] & low);
    }
    for (int i = 0; i < n; ) {
      int j = i + 1;
      while (j < n && (packed[j] & ~low) == (packed[i] & ~low)) {
        j++;
      }
      if (j - i > 1) {
        Integer[] run = new Integer[j - i];
        for (int r = i; r < j; r++) {
          run[r - i] = order[r];
        }
        Arrays.sort(run, (a, b) -> Long.compare(keys[a], keys[b]));
        for (int r = i; r < j; r++) {
          order[r] = run[r - i];
        }
      }
      i = j;
    }
    return order;
  }
}
