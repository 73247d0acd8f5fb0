package dev.strata.pipelines.sensors;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Options of {@code strata generate-sensors}: synthetic readings shaped like the real file. */
public interface GenerateSensorsOptions extends PipelineOptions {
  @Description("Directory to write readings-NNNNN.parquet into (one file per run).")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description(
      "Size relative to the real file (4 runs, 1,546,591 rows at 1.0); 100 writes 400 runs."
          + " Example: --scale=0.1")
  @Default.Double(1.0)
  double getScale();

  void setScale(double value);

  @Description("Random seed; the same seed and scale give identical readings.")
  @Default.Long(20221123L)
  long getSeed();

  void setSeed(long value);
}
