package dev.strata.transforms.sensors;

import dev.strata.transforms.common.Failure;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
 * Groups clean readings by run and puts each run on its time grid with kinematics ({@link
 * RunTable#align}). Consumes {@link SignalSeries} sorted per piece (any number of pieces per run
 * and signal, e.g. one per file); produces on {@link #TABLES} one {@link RunTable} per run, and on
 * {@link #FAILURES} every reading of a run whose grid would have more than {@link
 * RunTable#MAX_GRID_POINTS} points (reason {@code run_too_long}, with the reading's file and line):
 * a hostile time span must not exhaust memory. Bounded input; one group per run. Counters
 * (namespace: this class): {@link #RUNS}, {@link #GRID_POINTS}, {@link #GRID_POINTS_DROPPED},
 * {@link #RUNS_MISSING_SIGNALS}, {@link #READINGS_REJECTED}.
 */
public final class AlignRuns extends PTransform<PCollection<SignalSeries>, PCollectionTuple> {
  public static final TupleTag<RunTable> TABLES = new TupleTag<RunTable>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};

  /** Reject reason: the run's grid would be longer than {@link RunTable#MAX_GRID_POINTS}. */
  public static final String RUN_TOO_LONG = "run_too_long";

  /** Counter: readings of runs rejected as too long, on {@link #FAILURES}. */
  public static final String READINGS_REJECTED = "readingsRejected";

  /** Counter: runs aligned. */
  public static final String RUNS = "runs";

  /** Counter: grid points kept, over all runs (= rows written to the run tables). */
  public static final String GRID_POINTS = "gridPoints";

  /** Counter: grid points dropped because a signal's gap there exceeds the limit. */
  public static final String GRID_POINTS_DROPPED = "gridPointsDropped";

  /** Counter: runs that lack at least one of the twelve signals. */
  public static final String RUNS_MISSING_SIGNALS = "runsMissingSignals";

  private final AlignSpec spec;

  private AlignRuns(AlignSpec spec) {
    this.spec = spec;
  }

  public static AlignRuns with(AlignSpec spec) {
    return new AlignRuns(spec);
  }

  @Override
  public PCollectionTuple expand(PCollection<SignalSeries> series) {
    PCollectionTuple out =
        series
            .apply(
                "KeyByRun",
                WithKeys.of(SignalSeries::runUuid).withKeyType(TypeDescriptors.strings()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), SignalSeriesCoder.of()))
            .apply("GroupByRun", GroupByKey.create())
            .apply(
                "AlignRun",
                ParDo.of(new AlignFn(spec)).withOutputTags(TABLES, TupleTagList.of(FAILURES)));
    out.get(TABLES).setCoder(RunTableCoder.of());
    return out;
  }

  static final class AlignFn extends DoFn<KV<String, Iterable<SignalSeries>>, RunTable> {
    private final AlignSpec spec;
    private final Counter runs = Metrics.counter(AlignRuns.class, RUNS);
    private final Counter points = Metrics.counter(AlignRuns.class, GRID_POINTS);
    private final Counter dropped = Metrics.counter(AlignRuns.class, GRID_POINTS_DROPPED);
    private final Counter missing = Metrics.counter(AlignRuns.class, RUNS_MISSING_SIGNALS);
    private final Counter rejected = Metrics.counter(AlignRuns.class, READINGS_REJECTED);

    AlignFn(AlignSpec spec) {
      this.spec = spec;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<SignalSeries>> run, MultiOutputReceiver out) {
      long[] rejectedReadings = {0};
      RunTable t =
          align(
              run.getKey(),
              run.getValue(),
              spec,
              f -> {
                out.get(FAILURES).output(f);
                rejectedReadings[0]++;
              });
      rejected.inc(rejectedReadings[0]);
      if (t == null) {
        return;
      }
      runs.inc();
      points.inc(t.size());
      dropped.inc(t.pointsDropped());
      if (!t.missing().isEmpty()) {
        missing.inc();
      }
      out.get(TABLES).output(t);
    }
  }

  /**
   * Aligns one run from its clean pieces (any number per signal), as this transform does after
   * grouping them: the shared core of the batch job and the continuous recompute of a run. A run
   * whose grid would be too long gives null, and each of its readings goes to {@code failures}
   * ({@link #RUN_TOO_LONG}).
   */
  public static @Nullable RunTable align(
      String runUuid, Iterable<SignalSeries> pieces, AlignSpec spec, Consumer<Failure> failures) {
    Map<Signal, List<SignalSeries>> bySignal = new EnumMap<>(Signal.class);
    for (SignalSeries s : pieces) {
      bySignal.computeIfAbsent(s.signal(), k -> new ArrayList<>()).add(s);
    }
    Map<Signal, SignalSeries> signals = new EnumMap<>(Signal.class);
    bySignal.forEach((sig, list) -> signals.put(sig, SignalSeries.sortedByTime(list)));
    long gridPoints = RunTable.gridPoints(signals, spec);
    if (gridPoints > RunTable.MAX_GRID_POINTS) {
      String message =
          String.format(
              "run %s would have %,d grid points at a %d ns step, more than %,d per run: its"
                  + " readings span too long a time (a coarser --gridStep makes fewer)",
              runUuid, gridPoints, spec.stepNanos(), RunTable.MAX_GRID_POINTS);
      for (SignalSeries s : signals.values()) {
        for (int i = 0; i < s.size(); i++) {
          failures.accept(s.rejectReading("AlignRuns", i, RUN_TOO_LONG, message));
        }
      }
      return null;
    }
    return RunTable.align(runUuid, signals, spec);
  }
}
