package dev.strata.transforms.market;

import dev.strata.transforms.common.Failure;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Parses and validates one price file of the Kaggle layout ({@code Date,Open,High,Low,Close,Adj
 * Close,Volume}) into a {@link BarSeries} plus rejected rows. Plain Java, no Beam.
 *
 * <p>Columns are found by header name, so their order does not matter and extra columns are
 * ignored. LF and CRLF line endings and a UTF-8 BOM are accepted; blank lines are not data rows.
 * Each data row is either kept or rejected with a {@link BarRejection}, never both and never
 * neither: {@code rowsRead == series.size() + failures.size()}.
 *
 * <p>Kept but counted (real oddities of the dataset, not errors): {@code Open} = 0, {@code High} <
 * {@code Low}, zero volume, scientific notation in a price, volume written as a float ({@code
 * 806400.0}). The kept rows are sorted by date; of several complete rows with one date the first in
 * the file is kept.
 */
public final class BarFileParser {
  public static final String STEP = "ParseBarFiles";
  static final String[] COLUMNS = {"Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"};

  private BarFileParser() {}

  /** What one file produced. */
  public static final class Result {
    public final BarSeries series;
    public final List<Failure> failures;
    public final long rowsRead;
    public final Map<BarRejection, Long> rejectedByReason;
    public final Oddities oddities;

    Result(
        BarSeries series,
        List<Failure> failures,
        long rowsRead,
        Map<BarRejection, Long> rejectedByReason,
        Oddities oddities) {
      this.series = series;
      this.failures = failures;
      this.rowsRead = rowsRead;
      this.rejectedByReason = rejectedByReason;
      this.oddities = oddities;
    }
  }

  /** Counts of kept rows that look odd but are real data. */
  public static final class Oddities {
    public long openZero;
    public long highBelowLow;
    public long zeroVolume;
    public long scientificNotation;
    public long floatVolume;
  }

  /**
   * Parses {@code content}, the whole file. {@code symbol} and {@code securityName} become the
   * series' identity; {@code source} names the file in failures.
   */
  public static Result parse(
      String source, byte[] content, String symbol, @Nullable String securityName) {
    return new Run(source, content).parse(symbol, securityName);
  }

  static final class Run {
    private final String source;
    private final byte[] b;
    private final List<Failure> failures = new ArrayList<>();
    private final EnumMap<BarRejection, Long> byReason = new EnumMap<>(BarRejection.class);
    private long rowsRead;
    // kept rows, in file order
    private int n;
    private int[] days = new int[256];
    private float[][] prices = new float[5][256];
    private long[] volume = new long[256];
    private int[] lineNo = new int[256];
    private int[] lineStart = new int[256];
    private int[] lineEnd = new int[256];
    private byte[] flags = new byte[256];
    private final float[] rowPrices = new float[5];
    private static final byte SCI = 1;
    private static final byte FLOAT_VOLUME = 2;

    Run(String source, byte[] content) {
      this.source = source;
      this.b = content;
    }

    Result parse(String symbol, @Nullable String securityName) {
      int pos = 0;
      int end = b.length;
      if (end >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
        pos = 3;
      }
      int line = 0;
      int[] columnIndex = null;
      int headerFields = 0;
      String missing = null;
      int[] fieldStart = new int[16];
      int[] fieldEnd = new int[16];
      while (pos < end) {
        int nl = pos;
        while (nl < end && b[nl] != '\n') {
          nl++;
        }
        int lineEndPos = nl;
        if (lineEndPos > pos && b[lineEndPos - 1] == '\r') {
          lineEndPos--;
        }
        line++;
        int start = pos;
        pos = nl + 1;
        if (isBlank(start, lineEndPos)) {
          continue;
        }
        if (columnIndex == null) {
          // header
          String[] header =
              new String(b, start, lineEndPos - start, StandardCharsets.UTF_8).split(",", -1);
          headerFields = header.length;
          columnIndex = new int[COLUMNS.length];
          Arrays.fill(columnIndex, -1);
          for (int h = 0; h < header.length; h++) {
            String name = header[h].trim();
            for (int c = 0; c < COLUMNS.length; c++) {
              if (COLUMNS[c].equals(name) && columnIndex[c] < 0) {
                columnIndex[c] = h;
              }
            }
          }
          for (int c = 0; c < COLUMNS.length; c++) {
            if (columnIndex[c] < 0) {
              missing = COLUMNS[c];
              break;
            }
          }
          if (missing != null) {
            missing =
                "header lacks column '"
                    + missing
                    + "': "
                    + new String(b, start, lineEndPos - start, StandardCharsets.UTF_8);
          }
          continue;
        }
        rowsRead++;
        if (missing != null) {
          reject(line, start, lineEndPos, BarRejection.MISSING_COLUMN, missing);
          continue;
        }
        // split
        int fields = 0;
        int fs = start;
        for (int i = start; i <= lineEndPos; i++) {
          if (i == lineEndPos || b[i] == ',') {
            if (fields == fieldStart.length) {
              fieldStart = Arrays.copyOf(fieldStart, fields * 2);
              fieldEnd = Arrays.copyOf(fieldEnd, fields * 2);
            }
            int a = fs;
            int z = i;
            while (a < z && (b[a] == ' ' || b[a] == '\t')) {
              a++;
            }
            while (z > a && (b[z - 1] == ' ' || b[z - 1] == '\t')) {
              z--;
            }
            fieldStart[fields] = a;
            fieldEnd[fields] = z;
            fields++;
            fs = i + 1;
          }
        }
        if (fields != headerFields) {
          reject(
              line,
              start,
              lineEndPos,
              BarRejection.WRONG_FIELD_COUNT,
              "expected " + headerFields + " fields, found " + fields);
          continue;
        }
        parseRow(line, start, lineEndPos, columnIndex, fieldStart, fieldEnd);
      }
      return finish(symbol, securityName);
    }

    private boolean isBlank(int from, int to) {
      for (int i = from; i < to; i++) {
        if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
          return false;
        }
      }
      return true;
    }

    private void parseRow(int line, int start, int end, int[] col, int[] fs, int[] fe) {
      StringBuilder empty = null;
      for (int c = 0; c < COLUMNS.length; c++) {
        if (fs[col[c]] == fe[col[c]]) {
          empty = empty == null ? new StringBuilder("empty value in ") : empty.append(", ");
          empty.append('\'').append(COLUMNS[c]).append('\'');
        }
      }
      if (empty != null) {
        reject(line, start, end, BarRejection.EMPTY_VALUE, empty.toString());
        return;
      }
      int day;
      try {
        day = parseDate(fs[col[0]], fe[col[0]]);
      } catch (NumberFormatException e) {
        reject(
            line,
            start,
            end,
            BarRejection.UNPARSEABLE_DATE,
            "Date '" + FastDecimal.text(b, fs[col[0]], fe[col[0]]) + "' is not a YYYY-MM-DD date");
        return;
      }
      float[] p = this.rowPrices;
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
          reject(
              line,
              start,
              end,
              BarRejection.UNPARSEABLE_NUMBER,
              "'"
                  + COLUMNS[k + 1]
                  + "' value '"
                  + FastDecimal.text(b, a, z)
                  + "' is not a finite number");
          return;
        }
        if (FastDecimal.hasExponent(b, a, z)) {
          flag |= SCI;
        }
        p[k] = v;
      }
      int a = fs[col[6]];
      int z = fe[col[6]];
      long vol;
      if (isInteger(a, z)) {
        vol = parseLong(a, z);
        if (vol == Long.MIN_VALUE) {
          reject(
              line,
              start,
              end,
              BarRejection.UNPARSEABLE_NUMBER,
              "Volume '" + FastDecimal.text(b, a, z) + "' does not fit in int64");
          return;
        }
      } else {
        double d;
        try {
          d = FastDecimal.parseDouble(b, a, z);
        } catch (NumberFormatException e) {
          d = Double.NaN;
        }
        if (!Double.isFinite(d) || Math.abs(d) >= 0x1p63) {
          reject(
              line,
              start,
              end,
              BarRejection.UNPARSEABLE_NUMBER,
              "Volume '" + FastDecimal.text(b, a, z) + "' is not a finite int64 number");
          return;
        }
        if (d != Math.rint(d)) {
          reject(
              line,
              start,
              end,
              BarRejection.NON_INTEGRAL_VOLUME,
              "Volume '" + FastDecimal.text(b, a, z) + "' has a fractional part");
          return;
        }
        vol = (long) d;
        flag |= FLOAT_VOLUME;
      }
      if (vol < 0) {
        reject(
            line,
            start,
            end,
            BarRejection.NEGATIVE_VOLUME,
            "Volume " + FastDecimal.text(b, a, z) + " is negative");
        return;
      }
      keep(line, start, end, day, p, vol, flag);
    }

    private boolean isInteger(int a, int z) {
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

    private int parseDate(int a, int z) {
      if (z - a != 10 || b[a + 4] != '-' || b[a + 7] != '-') {
        throw new NumberFormatException();
      }
      int y = digits(a, 4);
      int m = digits(a + 5, 2);
      int d = digits(a + 8, 2);
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

    /** Digits with an optional sign; Long.MIN_VALUE when it does not fit. */
    private long parseLong(int a, int z) {
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

    private int digits(int from, int count) {
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

    private void keep(int line, int start, int end, int day, float[] p, long vol, byte flag) {
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

    private void reject(int line, int start, int end, BarRejection why, String message) {
      byReason.merge(why, 1L, Long::sum);
      failures.add(
          Failure.of(
              STEP,
              source,
              (long) line,
              why.code(),
              message,
              new String(b, start, end - start, StandardCharsets.UTF_8)));
    }

    private Result finish(String symbol, @Nullable String securityName) {
      int[] order = keptOrder();
      BarSeries.Builder out = BarSeries.builder(symbol, securityName, source);
      Oddities odd = new Oddities();
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
        if (volume[i] == 0) {
          odd.zeroVolume++;
        }
        if ((flags[i] & SCI) != 0) {
          odd.scientificNotation++;
        }
        if ((flags[i] & FLOAT_VOLUME) != 0) {
          odd.floatVolume++;
        }
      }
      return new Result(out.build(), failures, rowsRead, byReason, odd);
    }

    /** Indices of kept rows sorted by date; later duplicates of a date are rejected. */
    private int[] keptOrder() {
      return DayOrder.sortedUnique(
          days,
          n,
          (i, previous) ->
              reject(
                  lineNo[i],
                  lineStart[i],
                  lineEnd[i],
                  BarRejection.DUPLICATE_DATE,
                  "date "
                      + LocalDate.ofEpochDay(days[i])
                      + " already seen on line "
                      + lineNo[previous]));
    }
  }
}
