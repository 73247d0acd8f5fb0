package dev.strata.pipelines.market;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of {@code strata generate-market}: a deterministic synthetic Kaggle-layout dataset, or
 * {@code --extendDays} more trading days appended to one.
 */
public interface GenerateMarketOptions extends PipelineOptions {
  @Description(
      "Directory to write symbols_valid_meta.csv, etfs/ and stocks/ into (with --extendDays: the"
          + " dataset to extend). Example: --output=/tmp/market-full")
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

  @Description(
      "Instead of writing a dataset, append this many trading days (the weekdays after each file's"
          + " last date) to every bar file already in --output, as a later snapshot would; the same"
          + " --seed gives the same rows (extending by 1 twice = by 2 once). --scale is ignored."
          + " Example: --extendDays=1")
  @Default.Integer(0)
  int getExtendDays();

  void setExtendDays(int value);
}
