package dev.strata.transforms.sensors;

import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * One {@link RunStatistics} row per aligned run: its span, path lengths, readings per signal,
 * missing signals, force and speed extremes, grid points kept and dropped, spikes ({@link
 * RunStatistics#of}, plain Java). Consumes the {@link RunTable}s of {@link AlignRuns}; produces one
 * element per run, encoded with {@link RunStatisticsCoder}. Bounded or unbounded, any windowing:
 * element-wise, no grouping. No counters, no failure output (every run has statistics).
 */
public final class ComputeRunStatistics
    extends PTransform<PCollection<RunTable>, PCollection<RunStatistics>> {
  private ComputeRunStatistics() {}

  public static ComputeRunStatistics create() {
    return new ComputeRunStatistics();
  }

  @Override
  public PCollection<RunStatistics> expand(PCollection<RunTable> runs) {
    return runs.apply(
            "StatisticsPerRun",
            MapElements.into(TypeDescriptor.of(RunStatistics.class)).via(RunStatistics::of))
        .setCoder(RunStatisticsCoder.of());
  }
}
