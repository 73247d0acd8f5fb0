package dev.strata.transforms.market;

import dev.strata.transforms.common.Failure;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
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

  /** One file's parse: the tokenizer, header, row rules and row buffer put together. */
  private static final class Run {
    private final String source;
    private final byte[] b;
    private final List<Failure> failures = new ArrayList<>();
    private final EnumMap<BarRejection, Long> byReason = new EnumMap<>(BarRejection.class);
    private final BarRowBuffer rows = new BarRowBuffer();
    private long rowsRead;

    Run(String source, byte[] content) {
      this.source = source;
      this.b = content;
    }

    Result parse(String symbol, @Nullable String securityName) {
      BarLines lines = new BarLines(b);
      BarRowRules rules = new BarRowRules(b);
      BarHeader header = null;
      while (lines.next()) {
        if (header == null) {
          header = BarHeader.of(lines.text());
          continue;
        }
        rowsRead++;
        if (header.missing != null) {
          reject(lines.line, lines.start, lines.end, BarRejection.MISSING_COLUMN, header.missing);
          continue;
        }
        int fields = lines.split();
        if (fields != header.fields) {
          reject(
              lines.line,
              lines.start,
              lines.end,
              BarRejection.WRONG_FIELD_COUNT,
              "expected " + header.fields + " fields, found " + fields);
          continue;
        }
        BarRejection why = rules.check(header.columnIndex, lines.fieldStart, lines.fieldEnd);
        if (why != null) {
          reject(lines.line, lines.start, lines.end, why, rules.message);
        } else {
          rows.keep(
              lines.line,
              lines.start,
              lines.end,
              rules.day,
              rules.prices,
              rules.volume,
              rules.flags);
        }
      }
      int[] order =
          rows.sortedUniqueDays(
              (i, previous) ->
                  reject(
                      rows.lineNo[i],
                      rows.lineStart[i],
                      rows.lineEnd[i],
                      BarRejection.DUPLICATE_DATE,
                      "date "
                          + LocalDate.ofEpochDay(rows.days[i])
                          + " already seen on line "
                          + rows.lineNo[previous]));
      Oddities odd = new Oddities();
      BarSeries series = rows.series(order, symbol, securityName, source, odd);
      return new Result(series, failures, rowsRead, byReason, odd);
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
  }
}
