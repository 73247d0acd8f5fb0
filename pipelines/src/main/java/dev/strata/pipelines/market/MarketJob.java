package dev.strata.pipelines.market;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.model.VolumeModel;
import dev.strata.model.train.TrainConfig;
import dev.strata.model.train.TrainVolumeModel;
import dev.strata.pipelines.launcher.DagReport;
import dev.strata.pipelines.launcher.Job;
import dev.strata.pipelines.launcher.JobSpecs;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.launcher.Stages;
import dev.strata.pipelines.market.download.KaggleDownload;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.market.WindowSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The market job: (download →) ingest → features → train.
 *
 * <pre>
 * symbols_valid_meta.csv ─┐
 * etfs/*.csv, stocks/*.csv ─ ParseBarFiles ─ JoinSecurityNames ─▶ raw/       (stage "ingest")
 *                                  └─▶ _rejected/ingest/
 * raw/*.parquet ─ ReadMarketParquet ─ RollingFeatures ─▶ features/             (stage "features")
 *                                          └─▶ _rejected/features/
 * features/*.parquet ─ TrainVolumeModel (DJL) ─▶ model/model.bin, metrics.json, training.log,
 *                                                loss.csv, loss.png         (stage "train")
 * </pre>
 *
 * <p>Ingest ({@link IngestStage}) and features ({@link FeaturesStage}) are Beam pipelines (their
 * graphs are saved as {@code _pipeline.dot} in their folders); train ({@link TrainStage}) runs in
 * this process on DJL, streaming the feature files. After every run, {@code <output>/_dag.svg} and
 * {@code _dag.dot} picture the stages with their last row counts and durations ({@link MarketDag}).
 *
 * <p>Options: {@link MarketOptions}. Each stage is run by {@link StageRunner}: skipped when its
 * inputs and options are unchanged, written atomically, with a {@code _manifest.json} holding the
 * inputs, options, runner, timings and row accounting (rows in = rows out + rows rejected, checked
 * against the files actually written). Rejected rows are JSON lines with file, line, reason and the
 * original text. The same graph runs on embedded Flink (the default), the DirectRunner and other
 * Beam runners; {@code --input} and {@code --output} may be local or {@code gs://} alike.
 */
public final class MarketJob {
  public static final String INGEST = "ingest";
  public static final String FEATURES = "features";
  public static final String TRAIN = "train";

  /** Stage 0, with {@code --download}: the Kaggle archive into {@code --input}. */
  public static final String DOWNLOAD = "download";

  public static final List<String> STAGES = List.of(INGEST, FEATURES, TRAIN);

  /** Stages whose data folder is not named after them. */
  static final Map<String, String> FOLDERS = Map.of(INGEST, "raw", TRAIN, "model");

  /** The job's entry on the command line. */
  public static final Job JOB =
      new Job(
          "market",
          List.of(
              "ingest Kaggle stock CSVs to Parquet (stage ingest), add 30-day",
              "vol_moving_avg / adj_close_rolling_med (stage features),",
              "train the DJL volume model (stage train: model/model.bin)",
              "--input=DIR [--output=out/market] [--stages=ingest,features,train] [--force]",
              "[--window=30|30d] [--epochs=10] [--seed=42] [--download=owner/dataset]",
              "[--compact] [--compactAfter=16]: merge the part files increments added",
              "--continuous [--pollSeconds=2] [--settleSeconds=10]: run on each change of"
                  + " --input"),
          MarketOptions.class,
          true,
          (args, out) -> {
            run(Job.parse("market", args, MarketOptions.class), out);
            return 0;
          });

  private MarketJob() {}

  /**
   * Runs the selected stages in DAG order; returns each stage's manifest outcome. With {@code
   * --continuous}, keeps running them on each change of the input ({@link ContinuousMarket}).
   */
  public static Map<String, StageRunner.Outcome> run(MarketOptions options, PrintStream log)
      throws Exception {
    FileSystems.setDefaultPipelineOptions(options);
    if (options.getContinuous()) {
      if (JobSpecs.specOnly(options)) {
        throw new IllegalArgumentException(
            "market --continuous runs the DAG on each change; a Dataflow job spec is written by"
                + " market without --continuous");
      }
      Store.requireOutputOutsideInput(options.getInput(), options.getOutput());
      ContinuousMarket.run(options, log);
      return Map.of();
    }
    return runOnce(options, log);
  }

  /** One run of the selected stages in DAG order. */
  static Map<String, StageRunner.Outcome> runOnce(MarketOptions options, PrintStream log)
      throws Exception {
    Store.requireOutputOutsideInput(options.getInput(), options.getOutput());
    ResourceId input = Store.dir(options.getInput());
    ResourceId output = Store.dir(options.getOutput());
    List<String> stages = Stages.parse(options.getStages(), STAGES);
    WindowSpec window = WindowSpec.parse(options.getWindow());
    boolean specOnly = JobSpecs.specOnly(options);
    StageRunner runner =
        new StageRunner(output, options.getForce(), log).withFolders(FOLDERS).forSpecs(specOnly);
    TrainConfig training = TrainStage.config(options);
    requireRange("--downloadRetries", options.getDownloadRetries(), 0, 100);
    requireRange("--compactAfter", options.getCompactAfter(), 0, 1_000_000);
    requireRange("--downloadBackoffMs", options.getDownloadBackoffMs(), 0, 3_600_000);
    requireRange("--downloadStallSeconds", options.getDownloadStallSeconds(), 1, 86_400);
    Map<String, StageRunner.Outcome> outcomes = new LinkedHashMap<>();
    String failed = null;
    try {
      if (options.getDownload() != null && !options.getDownload().isBlank()) {
        failed = DOWNLOAD;
        outcomes.put(DOWNLOAD, download(options, input, log));
      }
      // an ingest increment rolls the features on in its own job when features runs next
      FeaturesAhead ahead =
          specOnly ? null : FeaturesAhead.forRun(stages.contains(FEATURES), window, runner);
      if (stages.contains(INGEST)) {
        failed = INGEST;
        outcomes.put(INGEST, IngestStage.run(options, input, runner, ahead));
      }
      if (stages.contains(FEATURES)) {
        failed = FEATURES;
        outcomes.put(FEATURES, FeaturesStage.run(options, window, runner, ahead));
        if (!specOnly) {
          failed = Compaction.STEP;
          Compaction.maybe(options, runner, !outcomes.get(FEATURES).skipped);
        }
      }
      if (stages.contains(TRAIN) && specOnly) {
        log.printf("[%s] not a Beam pipeline: no Dataflow job spec%n", TRAIN);
      } else if (stages.contains(TRAIN)) {
        failed = TRAIN;
        outcomes.put(TRAIN, TrainStage.run(training, runner));
      }
      failed = null;
    } finally {
      if (!specOnly) { // a spec is written without touching input or output
        try {
          MarketDag.write(input, runner, outcomes, failed);
        } catch (IOException | RuntimeException e) {
          if (failed == null) {
            throw e;
          }
          // a stage failed: its error is the one to see, not the picture's that could not follow
          log.printf("[dag] not written: %s%n", e);
        }
      }
    }
    if (outcomes.containsKey(TRAIN)) {
      ResourceId model = runner.dataDir(TRAIN);
      log.printf(
          "model:   %s%nmetrics: %s%nlogs:    %s, %s, %s%n",
          Store.file(model, VolumeModel.FILE_NAME),
          Store.file(model, TrainVolumeModel.METRICS_FILE),
          Store.file(model, TrainVolumeModel.LOG_FILE),
          Store.file(model, TrainVolumeModel.LOSS_CSV),
          Store.file(model, TrainVolumeModel.LOSS_PNG));
    }
    if (!specOnly) {
      log.printf("dag:     %s%n", Store.file(output, DagReport.SVG));
    }
    return outcomes;
  }

  /**
   * Refuses an option outside {@code min..max} in one line that names it as the user types it.
   *
   * @throws IllegalArgumentException {@code --epochs must be in 1..1000, not 0; see --help}
   */
  static void requireRange(String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          String.format("%s must be in %d..%d, not %d; see --help", option, min, max, value));
    }
  }

  /** Stage 0: the Kaggle archive of {@code --download} into the local {@code --input}. */
  static StageRunner.Outcome download(MarketOptions options, ResourceId input, PrintStream log)
      throws Exception {
    if (!Store.isLocal(input)) {
      throw new IllegalArgumentException(
          "--download unpacks the archive into a local --input directory, but --input is "
              + input
              + ": download to a local directory, copy it to the bucket (gcloud storage cp -r),"
              + " then run ingest on it");
    }
    Path credentials =
        options.getKaggleCredentials() != null
            ? Path.of(options.getKaggleCredentials())
            : KaggleDownload.defaultCredentials();
    KaggleDownload d =
        new KaggleDownload(
            new KaggleDownload.Request(
                options.getDownload(),
                options.getKaggleApi(),
                credentials,
                options.getDownloadRetries(),
                Duration.ofMillis(options.getDownloadBackoffMs()),
                Duration.ofSeconds(options.getDownloadStallSeconds())),
            log);
    JsonNode manifest = d.run(Store.local(input));
    return new StageRunner.Outcome(d.skipped(), manifest);
  }
}
