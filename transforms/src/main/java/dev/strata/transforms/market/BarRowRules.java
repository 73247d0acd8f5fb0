package dev.strata.transforms.market;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The row rules of {@link BarFileParser}: one data row's fields (already split, right count) either
 * make a valid bar or a {@link BarRejection}: no empty value, a {@code YYYY-MM-DD} date, finite
 * prices, an integral non-negative volume that fits in int64 ({@code 806400.0} is accepted and
 * flagged). One instance per file, reused for every row: {@link #check} leaves the row's values in
 * its fields.
 */
final class BarRowRules {
  /**
   * The largest volume accepted: {@link WindowSpec#MAX_LENGTH} of them still sum exactly in an
   * int64 (9,000 × 10^15 = 9 × 10^18 &lt; 2^63), so {@code vol_moving_avg} never overflows.
   */
  public static final long MAX_VOLUME = 1_000_000_000_000_000L;

  /** A price was written in scientific notation. */
  static final byte SCI = 1;

  /** The volume was written as a float ({@code 806400.0}). */
  static final byte FLOAT_VOLUME = 2;

  private static final String[] COLUMNS = BarFileParser.COLUMNS;

  private final byte[] b;

  /** After a {@link #check} that returned null: the row's epoch day. */
  int day;

  /** ... its Open, High, Low, Close, Adj Close. */
  final float[] prices = new float[5];

  /** ... its volume. */
  long volume;

  /** ... {@link #SCI} and {@link #FLOAT_VOLUME}. */
  byte flags;

  /** After a {@link #check} that returned a rejection: what exactly is wrong. */
  String message;

  BarRowRules(byte[] content) {
    this.b = content;
  }

  /**
   * Checks the row whose field {@code i} is {@code [fs[i], fe[i])}, with {@code col} mapping {@link
   * BarFileParser#COLUMNS} to fields. Returns null for a valid row, else why it is rejected.
   */
  @Nullable BarRejection check(int[] col, int[] fs, int[] fe) {
    StringBuilder empty = null;
    for (int c = 0; c < COLUMNS.length; c++) {
      if (fs[col[c]] == fe[col[c]]) {
        empty = empty == null ? new StringBuilder("empty value in ") : empty.append(", ");
        empty.append('\'').append(COLUMNS[c]).append('\'');
      }
    }
    if (empty != null) {
      return reject(BarRejection.EMPTY_VALUE, empty.toString());
    }
    try {
      day = BarNumbers.parseDate(b, fs[col[0]], fe[col[0]]);
    } catch (NumberFormatException e) {
      return reject(
          BarRejection.UNPARSEABLE_DATE,
          "Date '" + FastDecimal.text(b, fs[col[0]], fe[col[0]]) + "' is not a YYYY-MM-DD date");
    }
    byte flag = 0;
    for (int k = 0; k < 5; k++) {
      int a = fs[col[k + 1]];
      int z = fe[col[k + 1]];
      float v;
      try {
        v = FastDecimal.parseFloat(b, a, z);
      } catch (NumberFormatException e) {
        v = Float.NaN;
      }
      if (!Float.isFinite(v)) {
        return reject(
            BarRejection.UNPARSEABLE_NUMBER,
            "'"
                + COLUMNS[k + 1]
                + "' value '"
                + FastDecimal.text(b, a, z)
                + "' is not a finite number");
      }
      if (FastDecimal.hasExponent(b, a, z)) {
        flag |= SCI;
      }
      prices[k] = v;
    }
    int a = fs[col[6]];
    int z = fe[col[6]];
    long vol;
    if (BarNumbers.isInteger(b, a, z)) {
      vol = BarNumbers.parseLong(b, a, z);
      if (vol == Long.MIN_VALUE) {
        return reject(
            BarRejection.UNPARSEABLE_NUMBER,
            "Volume '" + FastDecimal.text(b, a, z) + "' does not fit in int64");
      }
    } else {
      double d;
      try {
        d = FastDecimal.parseDouble(b, a, z);
      } catch (NumberFormatException e) {
        d = Double.NaN;
      }
      if (!Double.isFinite(d) || Math.abs(d) >= 0x1p63) {
        return reject(
            BarRejection.UNPARSEABLE_NUMBER,
            "Volume '" + FastDecimal.text(b, a, z) + "' is not a finite int64 number");
      }
      if (d != Math.rint(d)) {
        return reject(
            BarRejection.NON_INTEGRAL_VOLUME,
            "Volume '" + FastDecimal.text(b, a, z) + "' has a fractional part");
      }
      vol = (long) d;
      flag |= FLOAT_VOLUME;
    }
    if (vol < 0) {
      return reject(
          BarRejection.NEGATIVE_VOLUME, "Volume " + FastDecimal.text(b, a, z) + " is negative");
    }
    if (vol > MAX_VOLUME) {
      return reject(
          BarRejection.VOLUME_OUT_OF_RANGE,
          "Volume " + FastDecimal.text(b, a, z) + " is above " + MAX_VOLUME + " (10^15)");
    }
    volume = vol;
    flags = flag;
    return null;
  }

  private BarRejection reject(BarRejection why, String what) {
    message = what;
    return why;
  }
}
