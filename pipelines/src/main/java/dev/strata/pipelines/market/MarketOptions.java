package dev.strata.pipelines.market;

import dev.strata.pipelines.launcher.ContinuousOptions;
import dev.strata.pipelines.launcher.StagedJobOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the market job ({@code strata market ...}): the shared {@link StagedJobOptions}
 * ({@code --input} is the Kaggle layout here), the features window, training and the download of
 * stage 0. Runner flags come from the command line or runner-configs.
 */
public interface MarketOptions extends StagedJobOptions, ContinuousOptions {
  @Description(
      "Input directory in the Kaggle stock-market-dataset layout: symbols_valid_meta.csv, etfs/*.csv,"
          + " stocks/*.csv. Example: --input=data/stocks-sample")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description(
      "Rolling window of the features stage: N = the current row and N-1 previous trading rows"
          + " (default 30); Nd = N calendar days ending on the row's date. Example: --window=30d")
  @Default.String("30")
  String getWindow();

  void setWindow(String value);

  @Description(
      "With --continuous: seconds the input must stay unchanged after a change before the DAG runs"
          + " on it (0..86400), so files that arrive together make one increment.")
  @Default.Integer(10)
  int getSettleSeconds();

  void setSettleSeconds(int value);

  @Description(
      "Merge the part files that increments added to raw/ and features/ into a few, now (also"
          + " earlier merges), as an atomic commit of each stage's manifest.")
  @Default.Boolean(false)
  boolean getCompact();

  void setCompact(boolean value);

  @Description(
      "Merge increments' part files automatically once a stage lists more than this many (in a"
          + " run whose features changed); 0 never does.")
  @Default.Integer(16)
  int getCompactAfter();

  void setCompactAfter(int value);

  @Description("Train: hidden layer sizes of the network, comma-separated. Example: --hidden=64,64")
  @Default.String("32,32")
  String getHidden();

  void setHidden(String value);

  @Description("Train: upper bound on epochs (passes over the training split).")
  @Default.Integer(10)
  int getEpochs();

  void setEpochs(int value);

  @Description("Train: stop after this many epochs without a better validation loss.")
  @Default.Integer(2)
  int getPatience();

  void setPatience(int value);

  @Description("Train: examples per gradient step.")
  @Default.Integer(2048)
  int getBatchSize();

  void setBatchSize(int value);

  @Description("Train: Adam's learning rate in the first epoch; it halves every epoch.")
  @Default.Double(0.005)
  double getLearningRate();

  void setLearningRate(double value);

  @Description("Train: seed of initialisation, shuffling, samples and the forest.")
  @Default.Long(42L)
  long getSeed();

  void setSeed(long value);

  @Description("Train: trees of the random-forest baseline in metrics.json; 0 skips it.")
  @Default.Integer(100)
  int getForestTrees();

  void setForestTrees(int value);

  @Description(
      "Train: size of the uniform sample of the training split that the input scaling is measured"
          + " on and the random forest learns from.")
  @Default.Integer(100_000)
  int getSampleRows();

  void setSampleRows(int value);

  @Description(
      "Train: test rows (uniform sample) the forest is scored on, next to the model and the naive"
          + " baseline on the same rows; 0 = every test row.")
  @Default.Integer(200_000)
  int getForestTestRows();

  void setForestTestRows(int value);

  @Description(
      "Stage 0: download this Kaggle dataset (owner/dataset, e.g. jacksoncrow/stock-market-dataset)"
          + " into --input and unpack it there before ingest; skipped when --input already holds"
          + " it complete. Credentials: KAGGLE_USERNAME/KAGGLE_KEY or --kaggleCredentials.")
  String getDownload();

  void setDownload(String value);

  @Description("Kaggle's API base URL (tests point it at a local server).")
  @Default.String("https://www.kaggle.com/api/v1")
  String getKaggleApi();

  void setKaggleApi(String value);

  @Description(
      "kaggle.json with {\"username\", \"key\"} (default: $KAGGLE_CONFIG_DIR/kaggle.json or"
          + " ~/.kaggle/kaggle.json); KAGGLE_USERNAME/KAGGLE_KEY take precedence.")
  String getKaggleCredentials();

  void setKaggleCredentials(String value);

  @Description("Retries of a failed transfer (connection errors, HTTP 408/429/5xx), with backoff.")
  @Default.Integer(5)
  int getDownloadRetries();

  void setDownloadRetries(int value);

  @Description("First retry delay in milliseconds; it doubles on each retry.")
  @Default.Long(1000)
  long getDownloadBackoffMs();

  void setDownloadBackoffMs(long value);

  @Description(
      "A transfer that brings no bytes for this many seconds is abandoned and resumed (a read has"
          + " no timeout of its own).")
  @Default.Integer(60)
  int getDownloadStallSeconds();

  void setDownloadStallSeconds(int value);
}
