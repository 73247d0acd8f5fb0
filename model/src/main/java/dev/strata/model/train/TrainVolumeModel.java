package dev.strata.model.train;

import ai.djl.engine.Engine;
import ai.djl.translate.TranslateException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.model.DjlEnvironment;
import dev.strata.model.FeatureBatch;
import dev.strata.model.Scaling;
import dev.strata.model.VolumeModel;
import dev.strata.model.VolumePredictor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

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
 *   <li><b>Spill</b>: a second scan writes training rows to shuffle buckets on disk (each row to a
 *       random bucket), validation and test rows to their own files, measures the {@link Scaling}
 *       on training rows and keeps a uniform sample for the forest. Memory is bounded by the bucket
 *       size, not the row count: rows are never held as objects.
 *   <li><b>Train</b>: Adam on the L1 loss of the standardised {@code ln(1 + Volume)}; each epoch
 *       visits the buckets in random order and each bucket in random order. L1 on the log scale
 *       makes the network estimate the conditional <i>median</i> of the log volume, and since
 *       {@code exp} is monotonic, its back-transform is the conditional median volume: the
 *       predictor that minimises the mean absolute error on the raw scale, which is how the model
 *       is judged. (L2 on the log scale would estimate a geometric mean, below the median for
 *       skewed data; L2 on the raw scale chases the few largest volumes.) The validation loss after
 *       each epoch drives early stopping, and the epoch with the lowest validation loss is kept.
 *   <li><b>Evaluate</b> on the test set, on the raw volume scale: MAE, RMSE, R² of the model (via
 *       the same {@link VolumeModel} predictor the API uses, loaded back from {@code model.bin}),
 *       the naive baseline {@code Volume ≈ vol_moving_avg}, and a random forest ({@link
 *       ForestBaseline}) trained on a sample of the training split and scored on a uniform sample
 *       of the test set, next to the other two on that same sample.
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

  private TrainVolumeModel() {}

  public static Result run(TrainConfig config, FeatureSource source, PrintStream console)
      throws IOException {
    Files.createDirectories(config.outputDir());
    Files.createDirectories(config.workDir());
    Path logFile = config.outputDir().resolve(LOG_FILE);
    try (OutputStream file = Files.newOutputStream(logFile);
        PrintStream log =
            new PrintStream(new TeeOutputStream(file, console), true, StandardCharsets.UTF_8)) {
      return new Run(config, source, log).execute();
    } finally {
      Directories.deleteRecursively(config.workDir());
    }
  }

  private static final class Run {
    final TrainConfig config;
    final FeatureSource source;
    final PrintStream log;
    final Stopwatch started = Stopwatch.start();
    TimeSplit split;
    Examples.Counts counts;
    SpilledExamples examples;
    Scaling scaling;

    Run(TrainConfig config, FeatureSource source, PrintStream log) {
      this.config = config;
      this.source = source;
      this.log = log;
    }

    Result execute() throws IOException {
      log.printf("training the volume model: %s%n", config.toMap());
      Stopwatch t0 = Stopwatch.start();
      TimeSplit.DayHistogram histogram = new TimeSplit.DayHistogram();
      counts = Examples.scan(source, (key, day, vma, med, volume) -> histogram.add(day));
      split = histogram.split(config.validationFraction(), config.testFraction());
      log.printf(
          "examples: %,d from %,d feature rows (%,d first rows, %,d in the window warm-up,"
              + " %,d non-finite, %,d out of date order) [%.1f s]%n",
          counts.examples,
          counts.rows,
          counts.firstRow,
          counts.warmup,
          counts.nonFinite,
          counts.outOfOrder,
          t0.seconds());
      log.printf("split by date: %s%n", split);

      try {
        spill();
        TrainNetwork.Fitted fitted = TrainNetwork.run(config, examples, log);
        List<Epoch> epochs = fitted.epochs();
        byte[] best = fitted.parameters();
        int bestEpoch = fitted.bestEpoch();
        ObjectNode metadata = JSON.createObjectNode();
        metadata.put("created_at", Instant.now().toString());
        metadata.put("djl_version", Engine.getDjlVersion());
        metadata.put("engine", "PyTorch " + Engine.getEngine("PyTorch").getVersion());
        metadata.put("loss", "L1 on standardised ln(1 + Volume)");
        metadata.put("best_epoch", bestEpoch);
        metadata.put("best_validation_loss", epochs.get(bestEpoch - 1).validationLoss());
        metadata.set("config", JSON.valueToTree(config.toMap()));
        metadata.set("split", JSON.valueToTree(split.toMap()));
        Path modelFile = config.outputDir().resolve(VolumeModel.FILE_NAME);
        try (VolumeModel trained = VolumeModel.of(scaling, config.hidden(), best, metadata)) {
          trained.save(modelFile);
        }
        Map<String, Object> metrics;
        // Score what was written, through the predictor the API uses.
        try (VolumeModel saved = VolumeModel.load(modelFile)) {
          metrics = evaluate(saved);
        }
        metrics.put("model_bytes", Files.size(modelFile));
        JSON.writeValue(config.outputDir().resolve(METRICS_FILE).toFile(), metrics);
        LossCsv.write(config.outputDir().resolve(LOSS_CSV), epochs);
        LossChart.write(
            config.outputDir().resolve(LOSS_PNG),
            epochs,
            bestEpoch,
            String.format(
                "%,d training / %,d validation rows, split by date; epoch %d kept",
                split.trainRows, split.validationRows, bestEpoch));
        log.printf(
            "wrote %s (%,d bytes), %s, %s, %s [total %.1f s]%n",
            modelFile, Files.size(modelFile), METRICS_FILE, LOSS_CSV, LOSS_PNG, started.seconds());
        return new Result(modelFile, split, counts, epochs, bestEpoch, metrics);
      } finally {
        if (examples != null) {
          examples.close();
        }
      }
    }

    // ---------------------------------------------------------------- spill

    void spill() throws IOException {
      Stopwatch t0 = Stopwatch.start();
      examples = SpilledExamples.write(source, split, config);
      scaling = examples.scaling();
      log.printf(
          "spilled %,d training rows to %d shuffle buckets, %,d validation and %,d test rows;"
              + " scaling from a %,d-row sample: %s [%.1f s]%n",
          examples.trainRows(),
          examples.buckets().length,
          examples.validation().rows(),
          examples.test().rows(),
          examples.trainingSample().length,
          scaling,
          t0.seconds());
    }

    // ---------------------------------------------------------------- evaluate

    Map<String, Object> evaluate(VolumeModel model) throws IOException {
      Stopwatch t0 = Stopwatch.start();
      RegressionMetrics ours = new RegressionMetrics();
      RegressionMetrics naive = new RegressionMetrics();
      RowFile test = examples.test();
      long testRows = test.rows();
      int forestRows =
          config.forestTrees() == 0
              ? 0
              : (int)
                  (config.forestTestRows() == 0
                      ? testRows
                      : Math.min(config.forestTestRows(), testRows));
      KeyedSample forestTest = new KeyedSample(forestRows, config.seed() + 3);
      double[] data = new double[RowFile.READ_CHUNK_ROWS * 3];
      long[] keys = new long[RowFile.READ_CHUNK_ROWS];
      try (VolumePredictor predictor = model.newPredictor()) {
        for (long from = 0; from < testRows; from += RowFile.READ_CHUNK_ROWS) {
          int m = (int) Math.min(RowFile.READ_CHUNK_ROWS, testRows - from);
          test.read(from, m, data, keys);
          double[] vma = new double[m];
          double[] med = new double[m];
          for (int i = 0; i < m; i++) {
            vma[i] = data[3 * i];
            med[i] = data[3 * i + 1];
          }
          long[] predicted = predictor.predict(new FeatureBatch(vma, med));
          for (int i = 0; i < m; i++) {
            double actual = data[3 * i + 2];
            ours.add(actual, predicted[i]);
            naive.add(actual, vma[i]);
            if (forestTest.wouldTake(keys[i])) {
              forestTest.offer(keys[i], new double[] {vma[i], med[i], actual, predicted[i]});
            }
          }
        }
      } catch (TranslateException e) {
        throw new IOException("prediction failed on the test set", e);
      }
      log.printf("test set (%,d rows) [%.1f s]%n", testRows, t0.seconds());
      log.printf("  model  %s%n", ours);
      log.printf("  naive  %s   (Volume ≈ vol_moving_avg)%n", naive);

      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put("test_rows", testRows);
      metrics.put("model", ours.toMap());
      metrics.put("naive", naive.toMap());
      if (forestRows > 0) {
        metrics.put("random_forest", forest(forestTest.rows()));
      }
      metrics.put("split", split.toMap());
      metrics.put("examples", counts.examples);
      metrics.put("feature_rows", counts.rows);
      metrics.put("target", "Volume of day t from the features of the window ending on day t-1");
      metrics.put("config", config.toMap());
      metrics.put("created_at", Instant.now().toString());
      return metrics;
    }

    /** Fits the forest on the training sample; scores it on rows of (vma, med, actual, ours). */
    Map<String, Object> forest(double[][] rows) {
      Stopwatch t0 = Stopwatch.start();
      ForestBaseline forest =
          ForestBaseline.fit(examples.trainingSample(), config.forestTrees(), config.seed());
      double fitSeconds = t0.seconds();
      Stopwatch t1 = Stopwatch.start();
      double[] predicted = new double[rows.length];
      IntStream.range(0, rows.length)
          .parallel()
          .forEach(i -> predicted[i] = forest.predict(rows[i][0], rows[i][1]));
      RegressionMetrics rf = new RegressionMetrics();
      RegressionMetrics ours = new RegressionMetrics();
      RegressionMetrics naive = new RegressionMetrics();
      for (int i = 0; i < rows.length; i++) {
        rf.add(rows[i][2], predicted[i]);
        ours.add(rows[i][2], rows[i][3]);
        naive.add(rows[i][2], rows[i][0]);
      }
      log.printf(
          "random forest: %d trees on %,d training rows [fit %.1f s, predict %.1f s], scored on"
              + " %,d test rows%n",
          config.forestTrees(),
          examples.trainingSample().length,
          fitSeconds,
          t1.seconds(),
          rows.length);
      log.printf("  forest %s%n", rf);
      log.printf("  model  %s   (same rows)%n", ours);
      log.printf("  naive  %s   (same rows)%n", naive);
      Map<String, Object> m = rf.toMap();
      m.put("trees", config.forestTrees());
      m.put("train_sample_rows", examples.trainingSample().length);
      m.put(
          "scored_on",
          rows.length == examples.test().rows()
              ? "all test rows"
              : "a uniform sample of the test rows");
      Map<String, Object> same = new LinkedHashMap<>();
      same.put("model", ours.toMap());
      same.put("naive", naive.toMap());
      m.put("same_rows", same);
      m.put("fit_seconds", fitSeconds);
      return m;
    }
  }
}
