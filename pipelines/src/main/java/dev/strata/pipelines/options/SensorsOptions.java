package dev.strata.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Options of the sensors job ({@code strata sensors ...}); runner flags come separately. */
public interface SensorsOptions extends PipelineOptions {
  @Description(
      "Readings in long format (time, value, field, robot_id, run_uuid, sensor_type), Parquet or"
          + " CSV: a file or a glob. Example: --input='data/machina/*.parquet'")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description(
      "Output directory: clean/ (cleaned readings), runs/run_uuid=<id>/ (aligned tables),"
          + " run_stats/, _rejected/<stage>/, each stage with a _manifest.json.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  // No @Default: the sensors and market jobs both have --stages, and Beam refuses one property
  // with two defaults once both interfaces are registered in a JVM; null means all stages.
  @Description("Comma-separated stages to run, in DAG order (default: all, clean,runs).")
  String getStages();

  void setStages(String value);

  @Description("Rerun the selected stages even if their inputs and options are unchanged.")
  @Default.Boolean(false)
  boolean getForce();

  void setForce(boolean value);

  @Description("Accepted positions in mm, 'min,max'; readings outside are rejected.")
  @Default.String("-10000,10000")
  String getPositionBounds();

  void setPositionBounds(String value);

  @Description("Accepted forces in N, 'min,max'; readings outside are rejected.")
  @Default.String("-10000,10000")
  String getForceBounds();

  void setForceBounds(String value);

  @Description("Reject readings flagged as isolated spikes instead of keeping them flagged.")
  @Default.Boolean(false)
  boolean getDropSpikes();

  void setDropSpikes(boolean value);

  @Description("Spike detector: readings either side of the one tested.")
  @Default.Integer(5)
  int getSpikeWindow();

  void setSpikeWindow(int value);

  @Description("Spike detector: distance from the window's median, in robust standard deviations.")
  @Default.Double(8.0)
  double getSpikeThreshold();

  void setSpikeThreshold(double value);

  @Description("Time grid step of the aligned tables. Example: --gridStep=10ms")
  @Default.String("10ms")
  String getGridStep();

  void setGridStep(String value);

  @Description(
      "Longest gap between two readings that interpolation bridges: a duration (250ms), or auto"
          + " = 5 times each signal's median sampling interval.")
  @Default.String("auto")
  String getMaxGap();

  void setMaxGap(String value);
}
