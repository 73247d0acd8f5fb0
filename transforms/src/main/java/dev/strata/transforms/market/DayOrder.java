package dev.strata.transforms.market;

import java.util.Arrays;

/**
 * Orders rows by date with one row per date: the first row of a date (by position) is kept, every
 * later one is reported. Plain Java; shared by {@link BarFileParser} (rows of one file) and {@link
 * RollingFeatures} (pieces of one symbol).
 */
final class DayOrder {
  private DayOrder() {}

  /** Receives each row left out because an earlier row has its date. */
  @FunctionalInterface
  interface Duplicates {
    void duplicate(int row, int keptRow);
  }

  /**
   * The positions {@code 0..n-1} of {@code days} sorted by (day, position), without the later rows
   * of a date; those go to {@code duplicates} in that order. Rows already strictly increasing by
   * day (the usual case) are returned as they are, without sorting.
   */
  static int[] sortedUnique(int[] days, int n, Duplicates duplicates) {
    boolean strictlyIncreasing = true;
    for (int i = 1; i < n && strictlyIncreasing; i++) {
      strictlyIncreasing = days[i] > days[i - 1];
    }
    if (strictlyIncreasing) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      return all;
    }
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      keys[i] = ((long) days[i] << 32) | i; // stable on ties: the position is the low half
    }
    Arrays.sort(keys);
    int[] order = new int[n];
    int kept = 0;
    for (int k = 0; k < n; k++) {
      int i = (int) keys[k];
      if (kept > 0 && days[order[kept - 1]] == days[i]) {
        duplicates.duplicate(i, order[kept - 1]);
        continue;
      }
      order[kept++] = i;
    }
    return Arrays.copyOf(order, kept);
  }
}
