package dev.strata.transforms.market;

import dev.strata.transforms.common.Failure;
import dev.strata.transforms.common.KeyBuckets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Adds {@code vol_moving_avg} (mean {@code Volume}) and {@code adj_close_rolling_med} (median
 * {@code Adj Close}) over a {@link WindowSpec} to every row, per symbol, ordered by date.
 *
 * <p>Consumes {@link BarSeries} pieces (bounded; any number of pieces per symbol, in any order),
 * groups them by symbol (in buckets of symbols, {@link KeyBuckets}), sorts each symbol once by date
 * and makes one pass with a {@link RollingWindow}. Produces one series per symbol on {@link
 * #FEATURES}, with both feature columns null (NaN inside the series) until the window is full. Not
 * {@code SlidingWindows}: no row is copied per window.
 *
 * <p>Two pieces of one symbol carrying the same date cannot both be kept. {@link ParseBarFiles}
 * already resolves a symbol's files against each other (at the CSV file and line), so here this
 * only happens when two different file names end up as one {@code Symbol} (the metadata maps two
 * NASDAQ symbols to it, or a file without a metadata row is named like another's {@code Symbol}).
 * Pieces are then ordered by their content (first date, size, then the values), not by where they
 * were read from (a Parquet part whose name depends on the run): the row of the piece that starts
 * earlier is kept, the same on every run and runner, and the other goes to {@link #FAILURES} with
 * reason {@code duplicate_date} and no line. Rows in = rows on {@code FEATURES} + rows on {@code
 * FAILURES}.
 *
 * <p>Counters (namespace: this class): {@link #SYMBOLS}, {@link #ROWS}, {@link #WARMUP_ROWS} (rows
 * left null), {@link #DUPLICATE_DATES}.
 */
public final class RollingFeatures extends PTransform<PCollection<BarSeries>, PCollectionTuple> {
  public static final String STEP = "RollingFeatures";
  public static final TupleTag<BarSeries> FEATURES = new TupleTag<BarSeries>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};

  /** Counter: symbols rolled. */
  public static final String SYMBOLS = "symbols";

  /** Counter: rows on {@link #FEATURES}. */
  public static final String ROWS = "rows";

  /** Counter: rows whose features are null because the window is not full yet. */
  public static final String WARMUP_ROWS = "warmupRows";

  /** Counter: rows rejected as a second row of a date ({@code duplicate_date}). */
  public static final String DUPLICATE_DATES = "duplicateDates";

  private final WindowSpec window;

  private RollingFeatures(WindowSpec window) {
    this.window = window;
  }

  /** The current row and the {@code size - 1} previous trading rows. */
  public static RollingFeatures ofRows(int size) {
    return new RollingFeatures(WindowSpec.rows(size));
  }

  public static RollingFeatures of(WindowSpec window) {
    if (window == null) {
      throw new IllegalArgumentException("window must not be null");
    }
    return new RollingFeatures(window);
  }

  public WindowSpec window() {
    return window;
  }

  @Override
  public PCollectionTuple expand(PCollection<BarSeries> series) {
    PCollectionTuple out =
        series
            .apply("KeyBySymbolBucket", KeyBuckets.byBucketOf(BarSeries::symbol))
            .setCoder(KvCoder.of(VarIntCoder.of(), BarSeriesCoder.of()))
            .apply("GroupBySymbolBucket", GroupByKey.create())
            .apply(
                "RollPerSymbol",
                ParDo.of(new RollFn(window)).withOutputTags(FEATURES, TupleTagList.of(FAILURES)));
    out.get(FEATURES).setCoder(BarSeriesCoder.of());
    return out;
  }

  /** First date, then size, then the values column by column; the source breaks a full tie. */
  static final Comparator<BarSeries> PIECE_ORDER =
      Comparator.<BarSeries>comparingInt(p -> p.size() == 0 ? Integer.MIN_VALUE : p.epochDay(0))
          .thenComparingInt(BarSeries::size)
          .thenComparing((a, b) -> Arrays.compare(a.days, b.days))
          .thenComparing((a, b) -> Arrays.compare(a.volume, b.volume))
          .thenComparing((a, b) -> Arrays.compare(a.adjClose, b.adjClose))
          .thenComparing((a, b) -> Arrays.compare(a.close, b.close))
          .thenComparing((a, b) -> Arrays.compare(a.open, b.open))
          .thenComparing((a, b) -> Arrays.compare(a.high, b.high))
          .thenComparing((a, b) -> Arrays.compare(a.low, b.low))
          .thenComparing(BarSeries::source);

  /** Rolls a bucket of symbols ({@link KeyBuckets}), symbol by symbol. */
  static final class RollFn extends DoFn<KV<Integer, Iterable<BarSeries>>, BarSeries> {
    private final WindowSpec window;
    private final Counter symbols = Metrics.counter(RollingFeatures.class, SYMBOLS);
    private final Counter rows = Metrics.counter(RollingFeatures.class, ROWS);
    private final Counter warmupRows = Metrics.counter(RollingFeatures.class, WARMUP_ROWS);
    private final Counter duplicateDates = Metrics.counter(RollingFeatures.class, DUPLICATE_DATES);

    RollFn(WindowSpec window) {
      this.window = window;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<BarSeries>> bucket, MultiOutputReceiver out) {
      for (List<BarSeries> pieces :
          KeyBuckets.regroup(bucket.getValue(), BarSeries::symbol).values()) {
        roll(pieces, out);
      }
    }

    private void roll(List<BarSeries> pieces, MultiOutputReceiver out) {
      // Delivery order is not promised, and a piece's source (a Parquet part) is named by the
      // run: order pieces by content, so which duplicate wins is the same on every run and runner.
      pieces.sort(PIECE_ORDER);
      BarSeries all = BarSeries.concat(pieces);
      int[] order = sortedUniqueDays(all, pieces, out);
      // the usual case (one piece, already in date order) needs no copy of its columns
      BarSeries sorted = isIdentity(order, all.size()) ? all : all.select(order);
      BarSeries result = compute(sorted, window);
      symbols.inc();
      rows.inc(result.size());
      long warm = 0;
      for (int i = 0; i < result.size(); i++) {
        if (result.volMovingAvg(i) == null) {
          warm++;
        }
      }
      warmupRows.inc(warm);
      out.get(FEATURES).output(result);
    }

    private int[] sortedUniqueDays(BarSeries all, List<BarSeries> pieces, MultiOutputReceiver out) {
      return DayOrder.sortedUnique(
          all.days,
          all.size(),
          (row, keptRow) -> {
            duplicateDates.inc();
            out.get(FAILURES).output(duplicateFailure(all, row, keptRow, pieces));
          });
    }

    private static boolean isIdentity(int[] order, int size) {
      if (order.length != size) {
        return false;
      }
      for (int i = 0; i < size; i++) {
        if (order[i] != i) {
          return false;
        }
      }
      return true;
    }

    private static Failure duplicateFailure(
        BarSeries all, int row, int keptRow, List<BarSeries> pieces) {
      String source = sourceOf(pieces, row);
      String payload =
          String.join(
              ",",
              all.date(row).toString(),
              Float.toString(all.open(row)),
              Float.toString(all.high(row)),
              Float.toString(all.low(row)),
              Float.toString(all.close(row)),
              Float.toString(all.adjClose(row)),
              Long.toString(all.volume(row)));
      return Failure.of(
          STEP,
          source,
          null,
          BarRejection.DUPLICATE_DATE.code(),
          all.symbol()
              + " has "
              + all.date(row)
              + " twice; kept the row from "
              + sourceOf(pieces, keptRow),
          payload);
    }

    private static String sourceOf(List<BarSeries> pieces, int row) {
      int offset = 0;
      for (BarSeries p : pieces) {
        if (row < offset + p.size()) {
          return p.source();
        }
        offset += p.size();
      }
      throw new IndexOutOfBoundsException("row " + row);
    }
  }

  /** {@link #extending}'s second output: each symbol's new tail. */
  public static final TupleTag<BarSeries> TAILS = new TupleTag<BarSeries>() {};

  /** Counter of {@link #extending}: symbols whose new rows are not all after their tail. */
  public static final String NOT_EXTENDABLE = "notExtendable";

  /**
   * The rows of a symbol's rolled series that its next rows' features depend on: the last {@code
   * length - 1} rows of a row window. Those rows and any rows after them give, through {@link
   * #compute}, exactly the features the whole history gives (the window's volume sum is exact in an
   * int64 and the median does not depend on order of arrival), so an increment needs no more. Row
   * windows only: a calendar-day window also depends on the symbol's first date.
   */
  public static BarSeries tail(BarSeries rolled, WindowSpec window) {
    if (window.isCalendarDays()) {
      throw new IllegalArgumentException("a calendar-day window has no row tail: " + window);
    }
    int keep = Math.min(rolled.size(), window.length() - 1);
    int[] index = new int[keep];
    for (int k = 0; k < keep; k++) {
      index[k] = rolled.size() - keep + k;
    }
    return rolled.select(index);
  }

  /**
   * Rolls rows added after each symbol's {@code tails} ({@link #tail} of the last committed
   * version); a symbol in {@code recomputed} has all of its rows among the new ones and its tail is
   * ignored (without new rows it is gone). Per symbol, the tail and the new rows (grouped by
   * symbol, any number of pieces) make one series; only the rows after the tail go to {@link
   * #FEATURES}, and every symbol's new tail (the old one if it has no new rows) to {@link #TAILS}.
   * A symbol whose new rows repeat a date or are not all after its tail's last date outputs nothing
   * and counts {@link #NOT_EXTENDABLE}: the caller recomputes it from its whole history. Row
   * windows only.
   */
  public static PTransform<PCollection<BarSeries>, PCollectionTuple> extending(
      WindowSpec window, PCollection<BarSeries> tails, java.util.SortedSet<String> recomputed) {
    if (window.isCalendarDays()) {
      throw new IllegalArgumentException("only a row window can be extended: " + window);
    }
    return new PTransform<PCollection<BarSeries>, PCollectionTuple>("ExtendFeatures") {
      @Override
      public PCollectionTuple expand(PCollection<BarSeries> added) {
        TupleTag<BarSeries> oldTag = new TupleTag<>("tail");
        TupleTag<BarSeries> newTag = new TupleTag<>("added");
        KvCoder<Integer, BarSeries> keyed = KvCoder.of(VarIntCoder.of(), BarSeriesCoder.of());
        PCollection<KV<Integer, BarSeries>> t =
            tails.apply("KeyTails", KeyBuckets.byBucketOf(BarSeries::symbol)).setCoder(keyed);
        PCollection<KV<Integer, BarSeries>> a =
            added.apply("KeyAdded", KeyBuckets.byBucketOf(BarSeries::symbol)).setCoder(keyed);
        PCollectionTuple out =
            KeyedPCollectionTuple.of(oldTag, t)
                .and(newTag, a)
                .apply("GroupBySymbolBucket", CoGroupByKey.create())
                .apply(
                    "ExtendPerSymbol",
                    ParDo.of(new ExtendFn(window, oldTag, newTag, recomputed))
                        .withOutputTags(FEATURES, TupleTagList.of(TAILS)));
        out.get(FEATURES).setCoder(BarSeriesCoder.of());
        out.get(TAILS).setCoder(BarSeriesCoder.of());
        return out;
      }
    };
  }

  /** Extends a bucket of symbols ({@link KeyBuckets}), symbol by symbol. */
  static final class ExtendFn extends DoFn<KV<Integer, CoGbkResult>, BarSeries> {
    private final WindowSpec window;
    private final TupleTag<BarSeries> oldTag;
    private final TupleTag<BarSeries> newTag;
    private final java.util.SortedSet<String> recomputed;
    private final Counter symbols = Metrics.counter(RollingFeatures.class, SYMBOLS);
    private final Counter rows = Metrics.counter(RollingFeatures.class, ROWS);
    private final Counter warmupRows = Metrics.counter(RollingFeatures.class, WARMUP_ROWS);
    private final Counter notExtendable = Metrics.counter(RollingFeatures.class, NOT_EXTENDABLE);

    ExtendFn(
        WindowSpec window,
        TupleTag<BarSeries> oldTag,
        TupleTag<BarSeries> newTag,
        java.util.SortedSet<String> recomputed) {
      this.window = window;
      this.oldTag = oldTag;
      this.newTag = newTag;
      this.recomputed = new java.util.TreeSet<>(recomputed);
    }

    @ProcessElement
    public void process(@Element KV<Integer, CoGbkResult> bucket, MultiOutputReceiver out) {
      SortedMap<String, List<BarSeries>> tails =
          KeyBuckets.regroup(bucket.getValue().getAll(oldTag), BarSeries::symbol);
      SortedMap<String, List<BarSeries>> added =
          KeyBuckets.regroup(bucket.getValue().getAll(newTag), BarSeries::symbol);
      SortedSet<String> symbols = new TreeSet<>(tails.keySet());
      symbols.addAll(added.keySet());
      for (String symbol : symbols) {
        List<BarSeries> old =
            recomputed.contains(symbol) // a recomputed symbol starts afresh
                ? new ArrayList<>()
                : tails.getOrDefault(symbol, new ArrayList<>());
        extend(old, added.getOrDefault(symbol, new ArrayList<>()), out);
      }
    }

    private void extend(List<BarSeries> old, List<BarSeries> pieces, MultiOutputReceiver out) {
      if (old.size() > 1) {
        notExtendable.inc();
        return;
      }
      if (pieces.isEmpty()) {
        if (!old.isEmpty()) {
          out.get(TAILS).output(old.get(0));
        }
        return; // a recomputed symbol without rows is gone
      }
      pieces.sort(PIECE_ORDER);
      BarSeries added = BarSeries.concat(pieces);
      boolean[] duplicate = {false};
      int[] order = DayOrder.sortedUnique(added.days, added.size(), (r, k) -> duplicate[0] = true);
      BarSeries tail = old.isEmpty() ? null : old.get(0);
      BarSeries sorted = added.select(order);
      if (duplicate[0]
          || (tail != null
              && tail.size() > 0
              && sorted.epochDay(0) <= tail.epochDay(tail.size() - 1))) {
        notExtendable.inc();
        return;
      }
      List<BarSeries> all = new ArrayList<>();
      if (tail != null && tail.size() > 0) {
        all.add(tail.withIdentity(sorted.symbol(), sorted.securityName()));
      }
      all.add(sorted);
      BarSeries rolled = compute(BarSeries.concat(all), window);
      int from = rolled.size() - sorted.size();
      int[] index = new int[sorted.size()];
      long warm = 0;
      for (int k = 0; k < index.length; k++) {
        index[k] = from + k;
        if (Double.isNaN(rolled.volMovingAvgColumn()[from + k])) {
          warm++;
        }
      }
      BarSeries result = rolled.select(index);
      symbols.inc();
      rows.inc(result.size());
      warmupRows.inc(warm);
      out.get(FEATURES).output(result);
      out.get(TAILS).output(tail(rolled, window));
    }
  }

  /**
   * Computes both features for a series already sorted by date with unique dates. Plain Java: the
   * tests hold it against a brute-force reference.
   */
  public static BarSeries compute(BarSeries sorted, WindowSpec window) {
    int n = sorted.size();
    double[] mean = new double[n];
    double[] median = new double[n];
    RollingWindow w = new RollingWindow(window.length());
    int firstDay = n == 0 ? 0 : sorted.epochDay(0);
    int oldest = 0; // index of the oldest row in the window
    for (int i = 0; i < n; i++) {
      int day = sorted.epochDay(i);
      if (i > 0 && day <= sorted.epochDay(i - 1)) {
        throw new IllegalArgumentException(
            sorted.symbol()
                + ": rows must be sorted by date with unique dates, but row "
                + i
                + " is "
                + sorted.date(i)
                + " after "
                + sorted.date(i - 1));
      }
      boolean full;
      if (window.isCalendarDays()) {
        int from = day - (window.length() - 1);
        while (oldest < i && sorted.epochDay(oldest) < from) {
          w.evictOldest();
          oldest++;
        }
        w.add(sorted.volume(i), sorted.adjClose(i));
        full = firstDay <= from;
      } else {
        if (w.size() == window.length()) {
          w.evictOldest();
        }
        w.add(sorted.volume(i), sorted.adjClose(i));
        full = w.size() == window.length();
      }
      mean[i] = full ? w.meanVolume() : Double.NaN;
      median[i] = full ? w.medianAdjClose() : Double.NaN;
    }
    return sorted.withFeatures(mean, median);
  }
}
