package dev.strata.pipelines.market;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Options of {@code strata generate-market}: a deterministic synthetic Kaggle-layout dataset. */
public interface GenerateMarketOptions extends PipelineOptions {
  @Description(
      "Directory to write symbols_valid_meta.csv, etfs/ and stocks/ into. Example: --output=/tmp/market-full")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description(
      "Fraction of the full dataset's 8,049 symbol files (~28 M rows at 1.0). Example: --scale=0.01")
  @Default.Double(1.0)
  double getScale();

  void setScale(double value);

  @Description("Random seed; the same seed and scale give byte-identical files.")
  @Default.Long(20200401L)
  long getSeed();

  void setSeed(long value);

  @Description(
      "Per-row rate of each injected real-data oddity (empty rows, duplicate dates, High < Low,"
          + " scientific notation). Example: --oddityRate=0.001")
  @Default.Double(0.0005)
  double getOddityRate();

  void setOddityRate(double value);
}
