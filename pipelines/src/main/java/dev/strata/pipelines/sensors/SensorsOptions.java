package dev.strata.pipelines.sensors;

import dev.strata.pipelines.launcher.ContinuousOptions;
import dev.strata.pipelines.launcher.StagedJobOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the sensors job ({@code strata sensors ...}): the shared {@link StagedJobOptions}
 * (stages {@code clean,runs}; {@code <output>} gets clean/, runs/run_uuid=&lt;id&gt;/, run_stats/),
 * the cleaning rules and the alignment grid. Runner flags come separately.
 */
public interface SensorsOptions extends StagedJobOptions, ContinuousOptions {
  @Description(
      "Readings in long format (time, value, field, robot_id, run_uuid, sensor_type), Parquet or"
          + " CSV: a file or a glob. Example: --input='data/machina/*.parquet'")
  @Validation.Required
  String getInput();

  void setInput(String value);

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

  @Description(
      "With --continuous: a run is recomputed once no new file has touched it for this many"
          + " seconds (0..86400).")
  @Default.Integer(10)
  int getSettleSeconds();

  void setSettleSeconds(int value);
}
