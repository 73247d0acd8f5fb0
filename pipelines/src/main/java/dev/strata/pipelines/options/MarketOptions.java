package dev.strata.pipelines.options;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Options of the market job ({@code strata market ...}); runner flags come from runner-configs. */
public interface MarketOptions extends PipelineOptions {
  @Description(
      "Input directory in the Kaggle stock-market-dataset layout: symbols_valid_meta.csv, etfs/*.csv,"
          + " stocks/*.csv. Example: --input=data/stocks-sample")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description(
      "Output directory; each stage writes <output>/<stage>/ with a _manifest.json, rejects go to"
          + " <output>/_rejected/<stage>/. Example: --output=out/market")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description(
      "Comma-separated stages to run, in DAG order: ingest,features. Example: --stages=features")
  @Default.String("ingest,features")
  String getStages();

  void setStages(String value);

  @Description("Rerun the selected stages even if their inputs and options are unchanged.")
  @Default.Boolean(false)
  boolean getForce();

  void setForce(boolean value);

  @Description(
      "Rolling window of the features stage: N = the current row and N-1 previous trading rows"
          + " (default 30); Nd = N calendar days ending on the row's date. Example: --window=30d")
  @Default.String("30")
  String getWindow();

  void setWindow(String value);
}
