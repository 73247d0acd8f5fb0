package dev.strata.transforms.market;

import java.util.Arrays;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The kept rows of one file in file order, columnar (with each row's line and its bytes, for a
 * later rejection), and their way out: sorted by date with one row per date ({@link DayOrder}),
 * counted for {@link BarFileParser.Oddities}, as a {@link BarSeries}.
 */
final class BarRowBuffer {
  int n;
  int[] days = new int[256];
  private float[][] prices = new float[5][256];
  private long[] volume = new long[256];
  int[] lineNo = new int[256];
  int[] lineStart = new int[256];
  int[] lineEnd = new int[256];
  private byte[] flags = new byte[256];

  /** Appends a valid row ({@link BarRowRules}'s values) read from line {@code line}. */
  void keep(int line, int start, int end, int day, float[] p, long vol, byte flag) {
    if (n == days.length) {
      int cap = n * 2;
      days = Arrays.copyOf(days, cap);
      for (int k = 0; k < 5; k++) {
        prices[k] = Arrays.copyOf(prices[k], cap);
      }
      volume = Arrays.copyOf(volume, cap);
      lineNo = Arrays.copyOf(lineNo, cap);
      lineStart = Arrays.copyOf(lineStart, cap);
      lineEnd = Arrays.copyOf(lineEnd, cap);
      flags = Arrays.copyOf(flags, cap);
    }
    days[n] = day;
    for (int k = 0; k < 5; k++) {
      prices[k][n] = p[k];
    }
    volume[n] = vol;
    lineNo[n] = line;
    lineStart[n] = start;
    lineEnd[n] = end;
    flags[n] = flag;
    n++;
  }

  /** Positions of the rows sorted by date; later rows of a date go to {@code duplicates}. */
  int[] sortedUniqueDays(DayOrder.Duplicates duplicates) {
    return DayOrder.sortedUnique(days, n, duplicates);
  }

  /** The rows at {@code order} as a series, counting their oddities into {@code odd}. */
  BarSeries series(
      int[] order,
      String symbol,
      @Nullable String securityName,
      String source,
      BarFileParser.Oddities odd) {
    BarSeries.Builder out = BarSeries.builder(symbol, securityName, source);
    for (int i : order) {
      float o = prices[0][i];
      float h = prices[1][i];
      float l = prices[2][i];
      out.add(days[i], o, h, l, prices[3][i], prices[4][i], volume[i]);
      if (o == 0f) {
        odd.openZero++;
      }
      if (h < l) {
        odd.highBelowLow++;
      }
      if (o < 0f || h < 0f || l < 0f || prices[3][i] < 0f || prices[4][i] < 0f) {
        odd.negativePrice++;
      }
      if (volume[i] == 0) {
        odd.zeroVolume++;
      }
      if ((flags[i] & BarRowRules.SCI) != 0) {
        odd.scientificNotation++;
      }
      if ((flags[i] & BarRowRules.FLOAT_VOLUME) != 0) {
        odd.floatVolume++;
      }
    }
    return out.build();
  }
}
