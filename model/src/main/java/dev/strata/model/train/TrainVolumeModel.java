package dev.strata.model.train;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.model.DjlEnvironment;
import dev.strata.model.Scaling;
import dev.strata.model.VolumeModel;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Trains the volume model on the market job's features and writes {@code model.bin}, {@code
 * training.log}, {@code loss.csv}, {@code loss.png} and {@code metrics.json} to {@link
 * TrainConfig#outputDir()}.
 *
 * <ol>
 *   <li><b>Examples</b> ({@link Examples}): day {@code t}'s {@code Volume} from the features of the
 *       window ending on day {@code t-1}: no target leakage.
 *   <li><b>Split by time</b> ({@link TimeSplit}): the latest 20 % of rows (by date) are the test
 *       set, the 10 % before them the validation set, the rest training; no date in two sets.
 *   <li><b>Spill</b> ({@link SpilledExamples}): a second scan writes training rows to shuffle
 *       buckets on disk (each row to a random bucket), validation and test rows to their own files,
 *       measures the {@link Scaling} on training rows and keeps a uniform sample for the forest.
 *       Memory is bounded by the bucket size, not the row count: rows are never held as objects.
 *   <li><b>Train</b> ({@link TrainNetwork}): Adam on the L1 loss of the standardised {@code ln(1 +
 *       Volume)}; each epoch visits the buckets in random order and each bucket in random order. L1
 *       on the log scale makes the network estimate the conditional <i>median</i> of the log
 *       volume, and since {@code exp} is monotonic, its back-transform is the conditional median
 *       volume: the predictor that minimises the mean absolute error on the raw scale, which is how
 *       the model is judged. (L2 on the log scale would estimate a geometric mean, below the median
 *       for skewed data; L2 on the raw scale chases the few largest volumes.) The validation loss
 *       after each epoch drives early stopping, and the epoch with the lowest validation loss is
 *       kept.
 *   <li><b>Evaluate</b> ({@link TestSetEvaluation}) on the test set, on the raw volume scale: MAE,
 *       RMSE, R² of the model (via the same {@link VolumeModel} predictor the API uses, loaded back
 *       from {@code model.bin}), the naive baseline {@code Volume ≈ vol_moving_avg}, and a random
 *       forest ({@link ForestBaseline}) trained on a sample of the training split and scored on a
 *       uniform sample of the test set, next to the other two on that same sample.
 * </ol>
 *
 * <p>Everything random is seeded from {@link TrainConfig#seed()}; with PyTorch single-threaded
 * ({@link DjlEnvironment}) two runs on the same data give the same {@code model.bin} weights.
 */
public final class TrainVolumeModel {
  public static final String LOG_FILE = "training.log";
  public static final String LOSS_CSV = "loss.csv";
  public static final String LOSS_PNG = "loss.png";
  public static final String METRICS_FILE = "metrics.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One epoch: mean L1 loss on the standardised log target. */
  public record Epoch(int epoch, double trainLoss, double validationLoss, double seconds) {}

  /** What a run produced. */
  public record Result(
      Path modelFile,
      TimeSplit split,
      Examples.Counts counts,
      List<Epoch> epochs,
      int bestEpoch,
      Map<String, Object> metrics) {}

  /**
   * The fewest examples training accepts: fewer cannot be split by date into three sets that each
   * say something (with 10 % for validation, 100 examples leave 10 validation rows), nor fit a
   * scaling and a forest; DJL then fails deep inside with "Gradient values are all zeros".
   */
  public static final int MIN_EXAMPLES = 100;

  private TrainVolumeModel() {}

  /**
   * Trains on {@code source} and writes the artifacts to {@link TrainConfig#outputDir()}; the log
   * goes to {@value #LOG_FILE} there and to {@code console}. The spill files under {@link
   * TrainConfig#workDir()} are deleted afterwards, also on failure.
   *
   * @throws IllegalArgumentException if there are fewer than {@link #MIN_EXAMPLES} examples, or
   *     they fall on fewer than three distinct dates
   */
  public static Result run(TrainConfig config, FeatureSource source, PrintStream console)
      throws IOException {
    Files.createDirectories(config.outputDir());
    Files.createDirectories(config.workDir());
    Path logFile = config.outputDir().resolve(LOG_FILE);
    try (OutputStream file = Files.newOutputStream(logFile);
        PrintStream log =
            new PrintStream(new TeeOutputStream(file, console), true, StandardCharsets.UTF_8)) {
      return train(config, source, log);
    } finally {
      Directories.deleteRecursively(config.workDir());
    }
  }

  private static Result train(TrainConfig config, FeatureSource source, PrintStream log)
      throws IOException {
    Stopwatch total = Stopwatch.start();
    log.printf("training the volume model: %s%n", config.toMap());
    Stopwatch scan = Stopwatch.start();
    TimeSplit.DayHistogram histogram = new TimeSplit.DayHistogram();
    Examples.Counts counts =
        Examples.scan(source, (key, day, vma, med, volume) -> histogram.add(day));
    if (counts.examples < MIN_EXAMPLES) {
      throw new IllegalArgumentException(
          String.format(
              "training needs at least %d examples, but the features give %,d (from %,d rows:"
                  + " %,d first rows of a symbol, %,d in the window warm-up, %,d non-finite);"
                  + " a symbol gives one example per row after its window is full: give more"
                  + " rows per symbol, more symbols, or a shorter --window",
              MIN_EXAMPLES,
              counts.examples,
              counts.rows,
              counts.firstRow,
              counts.warmup,
              counts.nonFinite));
    }
    TimeSplit split = histogram.split(config.validationFraction(), config.testFraction());
    log.printf(
        "examples: %,d from %,d feature rows (%,d first rows, %,d in the window warm-up,"
            + " %,d non-finite, %,d out of date order) [%.1f s]%n",
        counts.examples,
        counts.rows,
        counts.firstRow,
        counts.warmup,
        counts.nonFinite,
        counts.outOfOrder,
        scan.seconds());
    log.printf("split by date: %s%n", split);

    Stopwatch spill = Stopwatch.start();
    try (SpilledExamples examples = SpilledExamples.write(source, split, config)) {
      log.printf(
          "spilled %,d training rows to %d shuffle buckets, %,d validation and %,d test rows;"
              + " scaling from a %,d-row sample: %s [%.1f s]%n",
          examples.trainRows(),
          examples.buckets().length,
          examples.validation().rows(),
          examples.test().rows(),
          examples.trainingSample().length,
          examples.scaling(),
          spill.seconds());
      TrainNetwork.Fitted fitted = TrainNetwork.run(config, examples, log);
      Path modelFile = config.outputDir().resolve(VolumeModel.FILE_NAME);
      try (VolumeModel trained =
          VolumeModel.of(
              examples.scaling(),
              config.hidden(),
              fitted.parameters(),
              metadata(config, split, fitted))) {
        trained.save(modelFile);
      }
      Map<String, Object> metrics;
      // Score what was written, through the predictor the API uses.
      try (VolumeModel saved = VolumeModel.load(modelFile)) {
        metrics = TestSetEvaluation.score(saved, examples, config, log);
      }
      metrics.put("split", split.toMap());
      metrics.put("examples", counts.examples);
      metrics.put("feature_rows", counts.rows);
      metrics.put("target", "Volume of day t from the features of the window ending on day t-1");
      metrics.put("config", config.toMap());
      metrics.put("created_at", Instant.now().toString());
      metrics.put("model_bytes", Files.size(modelFile));
      JSON.writeValue(config.outputDir().resolve(METRICS_FILE).toFile(), metrics);
      LossCsv.write(config.outputDir().resolve(LOSS_CSV), fitted.epochs());
      LossChart.write(
          config.outputDir().resolve(LOSS_PNG),
          fitted.epochs(),
          fitted.bestEpoch(),
          String.format(
              "%,d training / %,d validation rows, split by date; epoch %d kept",
              split.trainRows, split.validationRows, fitted.bestEpoch()));
      // File names only: outputDir is often the stage's in-progress folder, published under
      // another name afterwards; the launcher prints the published paths.
      log.printf(
          "wrote %s (%,d bytes), %s, %s, %s [total %.1f s]%n",
          VolumeModel.FILE_NAME,
          Files.size(modelFile),
          METRICS_FILE,
          LOSS_CSV,
          LOSS_PNG,
          total.seconds());
      return new Result(modelFile, split, counts, fitted.epochs(), fitted.bestEpoch(), metrics);
    }
  }

  /** The training facts {@code model.bin} carries (the API shows them on {@code /model}). */
  private static ObjectNode metadata(
      TrainConfig config, TimeSplit split, TrainNetwork.Fitted fitted) {
    ObjectNode metadata = JSON.createObjectNode();
    metadata.put("created_at", Instant.now().toString());
    metadata.put("djl_version", Engine.getDjlVersion());
    metadata.put("engine", "PyTorch " + Engine.getEngine("PyTorch").getVersion());
    metadata.put("loss", "L1 on standardised ln(1 + Volume)");
    metadata.put("best_epoch", fitted.bestEpoch());
    metadata.put(
        "best_validation_loss", fitted.epochs().get(fitted.bestEpoch() - 1).validationLoss());
    metadata.set("config", JSON.valueToTree(config.toMap()));
    metadata.set("split", JSON.valueToTree(split.toMap()));
    return metadata;
  }
}
