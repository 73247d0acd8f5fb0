package dev.strata.transforms.sensors;

import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One {@link RunStatistics} row per aligned run: its span, path lengths, readings per signal,
 * missing signals, force and speed extremes, grid points kept and dropped, spikes ({@link
 * RunStatistics#of}, plain Java). Consumes the {@link RunTable}s of {@link AlignRuns}; produces one
 * element per run, encoded with {@link RunStatisticsCoder}. Bounded or unbounded, any windowing:
 * element-wise, no grouping. No counters, no failure output (every run has statistics).
 */
public final class ComputeRunStatistics
    extends PTransform<PCollection<RunTable>, PCollection<RunStatistics>> {
  private final @Nullable PCollectionView<Map<String, Long>> sourceFiles;
  private final long recomputedAtMicros;

  private ComputeRunStatistics(
      @Nullable PCollectionView<Map<String, Long>> sourceFiles, long recomputedAtMicros) {
    this.sourceFiles = sourceFiles;
    this.recomputedAtMicros = recomputedAtMicros;
  }

  /** The statistics without lineage ({@code source_files} and {@code recomputed_at} 0). */
  public static ComputeRunStatistics create() {
    return new ComputeRunStatistics(null, 0);
  }

  /**
   * The statistics with lineage: each run's number of source files from {@code sourceFiles} (run →
   * files, {@link RunSources#filesPerRun}) and {@code recomputedAtMicros} as {@code recomputed_at}.
   */
  public static ComputeRunStatistics withLineage(
      PCollectionView<Map<String, Long>> sourceFiles, long recomputedAtMicros) {
    return new ComputeRunStatistics(sourceFiles, recomputedAtMicros);
  }

  @Override
  public PCollection<RunStatistics> expand(PCollection<RunTable> runs) {
    PCollectionView<Map<String, Long>> view = sourceFiles;
    if (view != null) {
      long at = recomputedAtMicros;
      return runs.apply(
              "StatisticsPerRun",
              ParDo.of(
                      new DoFn<RunTable, RunStatistics>() {
                        @ProcessElement
                        public void process(
                            @Element RunTable t,
                            ProcessContext c,
                            OutputReceiver<RunStatistics> out) {
                          Long files = c.sideInput(view).get(t.runUuid());
                          out.output(
                              RunStatistics.of(t).withLineage(files == null ? 0 : files, at));
                        }
                      })
                  .withSideInputs(view))
          .setCoder(RunStatisticsCoder.of());
    }
    return runs.apply(
            "StatisticsPerRun",
            MapElements.into(TypeDescriptor.of(RunStatistics.class)).via(RunStatistics::of))
        .setCoder(RunStatisticsCoder.of());
  }
}
