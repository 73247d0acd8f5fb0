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
 * 806400.0}), a negative price. The kept rows are sorted by date; of several complete rows with one
 * date the first in the file is kept, and a date already kept from an earlier file of the same
 * symbol ({@link Earlier}) is rejected too: files of one symbol are read in path order, so {@code
 * etfs/X.csv} has precedence over {@code stocks/X.csv}.
 */
public final class BarFileParser {
  public static final String STEP = "ParseBarFiles";
  static final String[] COLUMNS = {"Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"};

  private BarFileParser() {}

  /** The dates an earlier file of the same symbol already kept, and where. */
  @FunctionalInterface
  public interface Earlier {
    /** Where {@code epochDay} was kept ({@code "<file> line <n>"}), or null if it was not. */
    @Nullable String keptAt(int epochDay);
  }

  /** What one file produced. */
  public static final class Result {
    public final BarSeries series;
    public final List<Failure> failures;
    public final long rowsRead;
    public final Map<BarRejection, Long> rejectedByReason;
    public final Oddities oddities;

    /** The CSV line of each row of {@link #series}. */
    public final int[] lines;

    /** Whether the file had a header line at all (false: zero bytes or only blank lines). */
    public final boolean hasHeader;

    /** Why the header cannot be read ({@code header lacks column ...}), or null. */
    public final @Nullable String headerProblem;

    Result(
        BarSeries series,
        int[] lines,
        List<Failure> failures,
        long rowsRead,
        Map<BarRejection, Long> rejectedByReason,
        Oddities oddities,
        boolean hasHeader,
        @Nullable String headerProblem) {
      this.series = series;
      this.lines = lines;
      this.hasHeader = hasHeader;
      this.headerProblem = headerProblem;
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
    public long negativePrice;
  }

  /**
   * Parses {@code content}, the whole file. {@code symbol} and {@code securityName} become the
   * series' identity; {@code source} names the file in failures.
   */
  public static Result parse(
      String source, byte[] content, String symbol, @Nullable String securityName) {
    return parse(source, content, symbol, securityName, null);
  }

  /**
   * Like {@link #parse(String, byte[], String, String)}, for a later file of a symbol: a row whose
   * date {@code earlier} already kept is rejected as {@code duplicate_date}.
   */
  public static Result parse(
      String source,
      byte[] content,
      String symbol,
      @Nullable String securityName,
      @Nullable Earlier earlier) {
    return new Run(source, content).parse(symbol, securityName, earlier);
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

    Result parse(String symbol, @Nullable String securityName, @Nullable Earlier earlier) {
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
      if (earlier != null) {
        order = notKeptEarlier(order, earlier);
      }
      Oddities odd = new Oddities();
      BarSeries series = rows.series(order, symbol, securityName, source, odd);
      int[] keptLines = new int[order.length];
      for (int k = 0; k < order.length; k++) {
        keptLines[k] = rows.lineNo[order[k]];
      }
      return new Result(
          series,
          keptLines,
          failures,
          rowsRead,
          byReason,
          odd,
          header != null,
          header == null ? null : header.missing);
    }

    /** {@code order} without the rows whose date an earlier file kept; those are rejected. */
    private int[] notKeptEarlier(int[] order, Earlier earlier) {
      int kept = 0;
      int[] out = new int[order.length];
      for (int i : order) {
        String where = earlier.keptAt(rows.days[i]);
        if (where == null) {
          out[kept++] = i;
        } else {
          reject(
              rows.lineNo[i],
              rows.lineStart[i],
              rows.lineEnd[i],
              BarRejection.DUPLICATE_DATE,
              "date "
                  + LocalDate.ofEpochDay(rows.days[i])
                  + " already kept from "
                  + where
                  + " (a symbol's files are read in path order; the first has precedence)");
        }
      }
      return kept == order.length ? order : Arrays.copyOf(out, kept);
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
