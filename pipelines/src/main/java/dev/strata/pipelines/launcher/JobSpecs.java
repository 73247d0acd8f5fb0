package dev.strata.pipelines.launcher;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Dataflow job specs instead of runs: with the Dataflow runner's {@code --templateLocation=DIR},
 * every Beam stage of a job hands its pipeline to the Dataflow runner, which writes the job spec to
 * {@code DIR/<stage>.json} (local or {@code gs://}) and does not run it; the stage then stops
 * ({@link Written}), and stages that are not Beam pipelines (training) are skipped. With {@code
 * NoopCredentialFactory}, {@code NoopPathValidator} and local temp/staging locations nothing
 * contacts Google, which is how the tests check that each job translates for Dataflow.
 *
 * <p>The Dataflow runner is read by reflection: it is on the class path only in jars built with the
 * {@code dataflow-runner} profile (and in tests).
 */
public final class JobSpecs {
  private static final String DATAFLOW_OPTIONS =
      "org.apache.beam.runners.dataflow.options.DataflowPipelineOptions";

  private JobSpecs() {}

  /** A stage wrote its job spec instead of running. */
  public static final class Written extends RuntimeException {
    public final String stage;
    public final String location;

    Written(String stage, String location) {
      super("[" + stage + "] Dataflow job spec written to " + location, null, false, false);
      this.stage = stage;
      this.location = location;
    }
  }

  /** Whether the job writes specs instead of running ({@code --templateLocation} is set). */
  public static boolean specOnly(PipelineOptions o) {
    return given(o) != null;
  }

  /**
   * In spec mode: writes {@code p}'s job spec as {@code <templateLocation>/<stage>.json} and throws
   * {@link Written}. Otherwise does nothing.
   */
  public static void writeIfAsked(Pipeline p, String stage) {
    String base = given(p.getOptions());
    if (base == null) {
      return;
    }
    String location = base.replaceAll("/+$", "") + "/" + stage + ".json";
    set(p.getOptions(), location);
    try {
      p.run(); // a template's result cannot be waited on: the spec is written when run returns
    } finally {
      set(p.getOptions(), base);
    }
    throw new Written(stage, location);
  }

  /**
   * Spec mode for a job that is one streaming pipeline, not stages: writes {@code p}'s spec as
   * {@code <templateLocation>/<stage>.json} under the job name {@code <jobName>-<stage>}, saying so
   * on {@code log}.
   */
  public static void writeStreaming(Pipeline p, String stage, java.io.PrintStream log) {
    String jobName = p.getOptions().getJobName();
    p.getOptions().setJobName(jobName + "-" + stage);
    log.printf("[%s] writing its Dataflow streaming job spec%n", stage);
    try {
      writeIfAsked(p, stage);
      throw new IllegalStateException("not in spec mode: " + stage + " would have run");
    } catch (Written written) {
      log.println(written.getMessage());
    } finally {
      p.getOptions().setJobName(jobName);
    }
  }

  /** The location as given (a stage sets its own file only while it runs, then restores it). */
  private static String given(PipelineOptions o) {
    String read = (String) call(o, "getTemplateLocation", null);
    return read == null || read.isBlank() ? null : read;
  }

  private static void set(PipelineOptions o, String location) {
    call(o, "setTemplateLocation", location);
  }

  @SuppressWarnings("unchecked")
  private static Object call(PipelineOptions o, String method, String arg) {
    Class<? extends PipelineOptions> type;
    try {
      type = (Class<? extends PipelineOptions>) Class.forName(DATAFLOW_OPTIONS);
    } catch (ClassNotFoundException e) {
      return null; // no Dataflow runner in this jar: never spec mode
    }
    try {
      PipelineOptions d = o.as(type);
      return arg == null
          ? type.getMethod(method).invoke(d)
          : type.getMethod(method, String.class).invoke(d, arg);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot use the Dataflow runner's options: " + e, e);
    }
  }
}
