package dev.strata.transforms.market;

/**
 * The date and integer parsers of {@link BarFileParser}, on bytes {@code [a, z)} of a file without
 * allocating. Prices go through {@link FastDecimal}.
 */
final class BarNumbers {
  private BarNumbers() {}

  /** Optional sign, then one or more digits. */
  static boolean isInteger(byte[] b, int a, int z) {
    int i = a;
    if (i < z && (b[i] == '-' || b[i] == '+')) {
      i++;
    }
    if (i >= z) {
      return false;
    }
    for (; i < z; i++) {
      if (b[i] < '0' || b[i] > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code YYYY-MM-DD} to its epoch day.
   *
   * @throws NumberFormatException if it is not a valid date of that form
   */
  static int parseDate(byte[] b, int a, int z) {
    if (z - a != 10 || b[a + 4] != '-' || b[a + 7] != '-') {
      throw new NumberFormatException();
    }
    int y = digits(b, a, 4);
    int m = digits(b, a + 5, 2);
    int d = digits(b, a + 8, 2);
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
      throw new NumberFormatException();
    }
    return epochDay(y, m, d);
  }

  private static int daysInMonth(int y, int m) {
    if (m == 2) {
      return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
    }
    return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
  }

  /** Days since 1970-01-01 of a valid proleptic Gregorian date (H. Hinnant's days_from_civil). */
  static int epochDay(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    int era = Math.floorDiv(y, 400);
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }

  /** Digits with an optional sign ({@link #isInteger}); Long.MIN_VALUE when it does not fit. */
  static long parseLong(byte[] b, int a, int z) {
    int i = a;
    boolean negative = false;
    if (b[i] == '-' || b[i] == '+') {
      negative = b[i] == '-';
      i++;
    }
    while (i < z - 1 && b[i] == '0') {
      i++;
    }
    if (z - i > 18) {
      try {
        return Long.parseLong(FastDecimal.text(b, a, z));
      } catch (NumberFormatException e) {
        return Long.MIN_VALUE;
      }
    }
    long v = 0;
    for (; i < z; i++) {
      v = v * 10 + (b[i] - '0');
    }
    return negative ? -v : v;
  }

  private static int digits(byte[] b, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      int c = b[i] - '0';
      if (c < 0 || c > 9) {
        throw new NumberFormatException();
      }
      v = v * 10 + c;
    }
    return v;
  }
}
