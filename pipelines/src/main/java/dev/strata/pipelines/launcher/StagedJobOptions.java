package dev.strata.pipelines.launcher;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * The options of a job of several stages that {@link StageRunner} skips when unchanged: which
 * stages run, and whether unchanged ones rerun.
 */
public interface StagedJobOptions extends JobOptions {
  // No @Default: "all stages" is a different list per job, so null stands for it and each job
  // resolves it against its own stage list (Stages.parse).
  @Description("Comma-separated stages to run, in DAG order (default: all of the job's stages).")
  String getStages();

  void setStages(String value);

  @Description("Rerun the selected stages even if their inputs and options are unchanged.")
  @Default.Boolean(false)
  boolean getForce();

  void setForce(boolean value);
}
