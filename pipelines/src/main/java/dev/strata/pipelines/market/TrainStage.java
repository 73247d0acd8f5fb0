package dev.strata.pipelines.market;

import static dev.strata.pipelines.market.MarketJob.FEATURES;
import static dev.strata.pipelines.market.MarketJob.TRAIN;

import dev.strata.model.DjlEnvironment;
import dev.strata.model.train.TrainConfig;
import dev.strata.model.train.TrainVolumeModel;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * Stage {@code train} of the market job: the DJL volume model trained in this process on the
 * Parquet of {@code features/}, written to {@code model/} ({@code model.bin}, {@code metrics.json},
 * the training log, the loss curve). Not a Beam pipeline.
 */
final class TrainStage {
  private TrainStage() {}

  /** Largest accepted values of the training options (each far above a useful setting). */
  static final int MAX_EPOCHS = 1_000;

  static final int MAX_LAYERS = 8;
  static final int MAX_LAYER_SIZE = 4_096;
  static final int MAX_BATCH = 1 << 20; // a shuffle bucket holds at least one batch
  static final int MAX_FOREST_TREES = 1_000;
  static final int MAX_SAMPLE_ROWS = 10_000_000;

  /**
   * The training settings from the options, each checked against its range first, so that a bad one
   * is one line naming the option ({@code --epochs must be in 1..1000, not 0; see --help}).
   */
  static TrainConfig config(MarketOptions o) {
    MarketJob.requireRange("--epochs", o.getEpochs(), 1, MAX_EPOCHS);
    MarketJob.requireRange("--patience", o.getPatience(), 1, MAX_EPOCHS);
    MarketJob.requireRange("--batchSize", o.getBatchSize(), 1, MAX_BATCH);
    MarketJob.requireRange("--forestTrees", o.getForestTrees(), 0, MAX_FOREST_TREES);
    MarketJob.requireRange("--sampleRows", o.getSampleRows(), 10, MAX_SAMPLE_ROWS);
    MarketJob.requireRange("--forestTestRows", o.getForestTestRows(), 0, MAX_SAMPLE_ROWS);
    double rate = o.getLearningRate();
    if (!(rate > 0 && rate <= 1)) {
      throw new IllegalArgumentException(
          "--learningRate must be above 0 and at most 1, not " + rate + "; see --help");
    }
    int[] hidden;
    try {
      hidden =
          Arrays.stream(o.getHidden().split(","))
              .map(String::trim)
              .mapToInt(Integer::parseInt)
              .toArray();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--hidden must be comma-separated layer sizes like 64,64, but was '"
              + o.getHidden()
              + "'; see --help");
    }
    if (hidden.length > MAX_LAYERS
        || Arrays.stream(hidden).anyMatch(h -> h < 1 || h > MAX_LAYER_SIZE)) {
      throw new IllegalArgumentException(
          "--hidden must be 1 to "
              + MAX_LAYERS
              + " layer sizes, each in 1.."
              + MAX_LAYER_SIZE
              + ", not '"
              + o.getHidden()
              + "'; see --help");
    }
    Path unset = Path.of(System.getProperty("java.io.tmpdir"));
    TrainConfig d = TrainConfig.defaults(unset, unset);
    return d.withHidden(hidden)
        .withEpochs(o.getEpochs(), o.getPatience())
        .withBatch(
            o.getBatchSize(), o.getLearningRate(), Math.max(d.bucketRows(), o.getBatchSize()))
        .withSeed(o.getSeed())
        .withForest(o.getForestTrees(), o.getSampleRows(), o.getForestTestRows());
  }

  static StageRunner.Outcome run(TrainConfig config, StageRunner runner) throws Exception {
    ResourceId featuresDir = runner.dataDir(FEATURES);
    runner.requirePublished(TRAIN, FEATURES, "ingest,features,train");
    List<MatchResult.Metadata> featureFiles = runner.publishedFiles(FEATURES);
    return runner.run(
        TRAIN,
        featureFiles,
        config.toMap(),
        (dataDir, rejectedDir) -> {
          // PyTorch is unpacked beside strata.jar unless DJL_CACHE_DIR says otherwise.
          DjlEnvironment.configure(DjlEnvironment.cacheBesideJarOf(TrainStage.class));
          // DJL writes to a local directory: the stage's own if it is local, else a temporary
          // one whose files are then copied to the object store.
          boolean local = Store.isLocal(dataDir);
          Path work = local ? Store.local(dataDir) : Files.createTempDirectory("strata-train-");
          TrainConfig here =
              config.toBuilder().outputDir(work).workDir(work.resolve(".spill")).build();
          TrainVolumeModel.Result r;
          long modelBytes;
          try {
            r =
                TrainVolumeModel.run(
                    here, new ParquetFeatureSource(Store.ids(featureFiles)), runner.log());
            modelBytes = Files.size(r.modelFile());
            if (!local) {
              try (Stream<Path> files = Files.list(work)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                  Store.upload(f, Store.file(dataDir, f.getFileName().toString()));
                }
              }
            }
          } finally {
            if (!local) {
              Store.deleteTree(work);
            }
          }
          // Rows that cannot become an example are not errors: they are counted by reason here,
          // not written to _rejected/ (each is a symbol's first row or a window warm-up row).
          return new StageCounts()
              .runner("DJL PyTorch")
              .rowsIn(r.counts().rows)
              .rowsOut(r.counts().examples)
              .rowsRejected(r.counts().excluded())
              .rejected("first_row_of_symbol", r.counts().firstRow)
              .rejected("previous_day_features_null", r.counts().warmup)
              .rejected("previous_day_features_not_finite", r.counts().nonFinite)
              .rejected("dates_out_of_order", r.counts().outOfOrder)
              .counter("epochs", r.epochs().size())
              .counter("bestEpoch", r.bestEpoch())
              .counter("trainRows", r.split().trainRows)
              .counter("validationRows", r.split().validationRows)
              .counter("testRows", r.split().testRows)
              .extra("metrics", r.metrics())
              .extra("model_bytes", modelBytes);
        });
  }
}
