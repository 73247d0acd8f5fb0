package dev.strata.transforms.sensors;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Groups clean readings by run and puts each run on its time grid with kinematics ({@link
 * RunTable#align}). Consumes {@link SignalSeries} sorted per piece (any number of pieces per run
 * and signal, e.g. one per file); produces one {@link RunTable} per run. Bounded input; one group
 * per run. Counters (namespace: this class): {@link #RUNS}, {@link #GRID_POINTS}, {@link
 * #GRID_POINTS_DROPPED}, {@link #RUNS_MISSING_SIGNALS}.
 */
public final class AlignRuns extends PTransform<PCollection<SignalSeries>, PCollection<RunTable>> {
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
  public PCollection<RunTable> expand(PCollection<SignalSeries> series) {
    return series
        .apply(
            "KeyByRun", WithKeys.of(SignalSeries::runUuid).withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SignalSeriesCoder.of()))
        .apply("GroupByRun", GroupByKey.create())
        .apply("AlignRun", ParDo.of(new AlignFn(spec)))
        .setCoder(RunTableCoder.of());
  }

  static final class AlignFn extends DoFn<KV<String, Iterable<SignalSeries>>, RunTable> {
    private final AlignSpec spec;
    private final Counter runs = Metrics.counter(AlignRuns.class, RUNS);
    private final Counter points = Metrics.counter(AlignRuns.class, GRID_POINTS);
    private final Counter dropped = Metrics.counter(AlignRuns.class, GRID_POINTS_DROPPED);
    private final Counter missing = Metrics.counter(AlignRuns.class, RUNS_MISSING_SIGNALS);

    AlignFn(AlignSpec spec) {
      this.spec = spec;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<SignalSeries>> run, OutputReceiver<RunTable> out) {
      Map<Signal, List<SignalSeries>> pieces = new EnumMap<>(Signal.class);
      for (SignalSeries s : run.getValue()) {
        pieces.computeIfAbsent(s.signal(), k -> new ArrayList<>()).add(s);
      }
      Map<Signal, SignalSeries> signals = new EnumMap<>(Signal.class);
      pieces.forEach((sig, list) -> signals.put(sig, SignalSeries.sortedByTime(list)));
      RunTable t = RunTable.align(run.getKey(), signals, spec);
      runs.inc();
      points.inc(t.size());
      dropped.inc(t.pointsDropped());
      if (!t.missing().isEmpty()) {
        missing.inc();
      }
      out.output(t);
    }
  }
}
