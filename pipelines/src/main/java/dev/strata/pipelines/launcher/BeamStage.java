package dev.strata.pipelines.launcher;

import dev.strata.transforms.common.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.util.construction.renderer.PipelineDotRenderer;

/**
 * Runs the Beam pipeline of one stage to its end and records what a stage manifest needs from it:
 * the graph (saved as {@code _pipeline.dot} next to the stage's data) and the transforms' counters,
 * looked up by the transform class that declares them and the counter's constant.
 *
 * <p>Each stage runs as its own job, named {@code <job name>-<stage>} (so a cluster's or Dataflow's
 * job list says which stage is which). In Dataflow spec mode ({@link JobSpecs}) the stage's job
 * spec is written instead and {@link JobSpecs.Written} is thrown, which {@link StageRunner} turns
 * into a stage that wrote a spec.
 */
public final class BeamStage {
  /** The Graphviz file of a stage's Beam graph, in the stage's data folder. */
  public static final String PIPELINE_DOT = "_pipeline.dot";

  private final MetricQueryResults metrics;
  private final String runner;

  private BeamStage(MetricQueryResults metrics, String runner) {
    this.metrics = metrics;
    this.runner = runner;
  }

  /**
   * Runs {@code p} as stage {@code stage} until it finishes; saves its graph in {@code dataDir}
   * unless that is null. Fails unless the pipeline ends {@code DONE}.
   */
  public static BeamStage run(Pipeline p, String stage, ResourceId dataDir) throws IOException {
    String jobName = p.getOptions().getJobName();
    p.getOptions().setJobName(jobName + "-" + stage);
    MetricQueryResults metrics;
    try {
      JobSpecs.writeIfAsked(p, stage);
      PipelineResult result = p.run();
      PipelineResult.State state = result.waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("pipeline ended in state " + state);
      }
      metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
    } finally {
      p.getOptions().setJobName(jobName);
    }
    if (dataDir != null) {
      Store.write(
          Store.file(dataDir, PIPELINE_DOT),
          PipelineDotRenderer.toDotString(p).getBytes(StandardCharsets.UTF_8));
    }
    return new BeamStage(metrics, p.getOptions().getRunner().getSimpleName());
  }

  /**
   * The value of counter {@code name} that {@code transform} declares ({@code
   * Metrics.counter(transform, name)}), summed over every step that used it; 0 if none did.
   */
  public long counter(Class<?> transform, String name) {
    return counter(metrics, transform, name);
  }

  /** {@link #counter(Class, String)} in any pipeline's metrics (a streaming job's, at its end). */
  public static long counter(MetricQueryResults metrics, Class<?> transform, String name) {
    MetricNameFilter filter = MetricNameFilter.named(transform, name);
    long sum = 0;
    for (MetricResult<Long> c : metrics.getCounters()) {
      if (filter.getNamespace().equals(c.getName().getNamespace())
          && filter.getName().equals(c.getName().getName())) {
        sum += c.getAttempted();
      }
    }
    return sum;
  }

  /** Copies counters of {@code transform} into the manifest's {@code counters}, by their names. */
  public StageCounts record(StageCounts counts, Class<?> transform, String... names) {
    for (String name : names) {
      counts.counter(name, counter(transform, name));
    }
    return counts;
  }

  /** Fresh counts for the stage's manifest, with the runner it ran on filled in. */
  public StageCounts counts() {
    return new StageCounts().runner(runner);
  }
}
