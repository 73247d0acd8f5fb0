package dev.strata.transforms.sensors;

import dev.strata.transforms.common.Failure;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Merges each (run, signal)'s readings from all files, sorts them by time and cleans them.
 *
 * <ul>
 *   <li>Exact duplicates (same run, signal, time and value) are dropped but one, and counted
 *       ({@code duplicatesDropped}).
 *   <li>Conflicting duplicates (same run, signal and time, different values) are all rejected
 *       ({@code conflicting_duplicate}): there is no telling which one is right.
 *   <li>Isolated spikes ({@link SpikeDetector}) are flagged ({@code spikesFlagged}), kept with
 *       quality {@code spike} by default, or rejected ({@code spike}) with {@code dropSpikes}.
 * </ul>
 *
 * Produces on {@link #CLEAN} one {@link SignalSeries} per (run, signal), sorted with unique times,
 * and on {@link #FAILURES} the rejected readings with their file, line and reason. Readings in =
 * clean + rejected + duplicates dropped. Bounded input; one group per (run, signal).
 *
 * <p>Counters (namespace: this class): {@link #DUPLICATES_DROPPED}, {@link #CONFLICTING_REJECTED},
 * {@link #SPIKES_FLAGGED}, {@link #READINGS_KEPT}.
 */
public final class CleanReadings extends PTransform<PCollection<SignalSeries>, PCollectionTuple> {
  public static final TupleTag<SignalSeries> CLEAN = new TupleTag<SignalSeries>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};
  static final String STEP = "CleanReadings";

  /** Counter: exact duplicate readings dropped. */
  public static final String DUPLICATES_DROPPED = "duplicatesDropped";

  /** Counter: readings rejected as {@code conflicting_duplicate}. */
  public static final String CONFLICTING_REJECTED = "conflictingRejected";

  /** Counter: readings flagged as isolated spikes (kept or, with dropSpikes, rejected). */
  public static final String SPIKES_FLAGGED = "spikesFlagged";

  /** Counter: readings on {@link #CLEAN}. */
  public static final String READINGS_KEPT = "readingsKept";

  private final SpikeDetector spikes;
  private final boolean dropSpikes;

  private CleanReadings(SpikeDetector spikes, boolean dropSpikes) {
    this.spikes = spikes;
    this.dropSpikes = dropSpikes;
  }

  public static CleanReadings of(SpikeDetector spikes, boolean dropSpikes) {
    return new CleanReadings(spikes, dropSpikes);
  }

  @Override
  public PCollectionTuple expand(PCollection<SignalSeries> series) {
    PCollectionTuple out =
        series
            .apply(
                "KeyByRunAndSignal",
                WithKeys.of((SignalSeries s) -> s.runUuid() + '\u0000' + s.signal().name())
                    .withKeyType(TypeDescriptors.strings()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), SignalSeriesCoder.of()))
            .apply("GroupBySignal", GroupByKey.create())
            .apply(
                "Clean",
                ParDo.of(new CleanFn(spikes, dropSpikes))
                    .withOutputTags(CLEAN, TupleTagList.of(FAILURES)));
    out.get(CLEAN).setCoder(SignalSeriesCoder.of());
    return out;
  }

  static final class CleanFn extends DoFn<KV<String, Iterable<SignalSeries>>, SignalSeries> {
    private final SpikeDetector spikes;
    private final boolean dropSpikes;
    private final Counter duplicates = Metrics.counter(CleanReadings.class, DUPLICATES_DROPPED);
    private final Counter conflicts = Metrics.counter(CleanReadings.class, CONFLICTING_REJECTED);
    private final Counter flagged = Metrics.counter(CleanReadings.class, SPIKES_FLAGGED);
    private final Counter kept = Metrics.counter(CleanReadings.class, READINGS_KEPT);

    CleanFn(SpikeDetector spikes, boolean dropSpikes) {
      this.spikes = spikes;
      this.dropSpikes = dropSpikes;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<SignalSeries>> group, MultiOutputReceiver out) {
      Cleaned c = clean(group.getValue(), spikes, dropSpikes, f -> out.get(FAILURES).output(f));
      duplicates.inc(c.duplicatesDropped());
      conflicts.inc(c.conflictingRejected());
      flagged.inc(c.spikesFlagged());
      kept.inc(c.series() == null ? 0 : c.series().size());
      if (c.series() != null) {
        out.get(CLEAN).output(c.series());
      }
    }
  }

  /**
   * One (run, signal) cleaned: {@code series} the readings kept (null if none), and what was
   * dropped, rejected and flagged.
   */
  public record Cleaned(
      @Nullable SignalSeries series,
      long duplicatesDropped,
      long conflictingRejected,
      long spikesFlagged) {}

  /**
   * Cleans the pieces of one (run, signal), as this transform does after grouping them: the shared
   * core of the batch job and the continuous recompute of a run. Rejected readings go to {@code
   * failures}.
   */
  public static Cleaned clean(
      Iterable<SignalSeries> pieces,
      SpikeDetector spikes,
      boolean dropSpikes,
      Consumer<Failure> failures) {
    SignalSeries s = SignalSeries.sortedByTime(pieces);
    int n = s.size();
    int[] keep = new int[n];
    int k = 0;
    long duplicates = 0;
    long conflicts = 0;
    for (int i = 0; i < n; ) {
      int j = i + 1;
      boolean conflict = false;
      while (j < n && s.time(j) == s.time(i)) {
        conflict |= Double.compare(s.value(j), s.value(i)) != 0;
        j++;
      }
      if (conflict) {
        for (int r = i; r < j; r++) {
          failures.accept(
              failure(
                  s,
                  r,
                  "conflicting_duplicate",
                  (j - i) + " readings of " + s.signal().column() + " at the same time disagree"));
        }
        conflicts += j - i;
      } else {
        keep[k++] = i;
        duplicates += j - i - 1;
      }
      i = j;
    }
    SignalSeries unique = s.select(java.util.Arrays.copyOf(keep, k));
    double[] v = new double[k];
    for (int i = 0; i < k; i++) {
      v[i] = unique.value(i);
    }
    boolean[] spike = spikes.flag(v);
    int nSpikes = 0;
    for (boolean b : spike) {
      if (b) {
        nSpikes++;
      }
    }
    SignalSeries result = unique.withSpikes(spike);
    if (dropSpikes && nSpikes > 0) {
      int[] rest = new int[k - nSpikes];
      int r = 0;
      for (int i = 0; i < k; i++) {
        if (spike[i]) {
          failures.accept(
              failure(
                  result, i, "spike", "isolated spike dropped (value " + result.value(i) + ")"));
        } else {
          rest[r++] = i;
        }
      }
      result = result.select(rest).withSpikes(new boolean[rest.length]);
    }
    return new Cleaned(result.size() > 0 ? result : null, duplicates, conflicts, nSpikes);
  }

  private static Failure failure(SignalSeries s, int i, String reason, String message) {
    return s.rejectReading(STEP, i, reason, message);
  }
}
