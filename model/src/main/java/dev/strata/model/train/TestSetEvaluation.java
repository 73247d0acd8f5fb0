package dev.strata.model.train;

import ai.djl.translate.TranslateException;
import dev.strata.model.FeatureBatch;
import dev.strata.model.VolumeModel;
import dev.strata.model.VolumePredictor;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The test-set scores in {@code metrics.json}, on the raw volume scale: MAE, RMSE and R² of the
 * model (through the {@link VolumePredictor} the API uses), of the naive baseline {@code Volume ≈
 * vol_moving_avg}, and of a random forest ({@link ForestBaseline}) fitted on the training sample
 * and scored on a uniform sample of the test rows, next to the other two on that same sample.
 */
final class TestSetEvaluation {
  private TestSetEvaluation() {}

  /**
   * Scores {@code model} on the test split; returns {@code test_rows}, {@code model}, {@code naive}
   * and, unless {@link TrainConfig#forestTrees()} is 0, {@code random_forest}, in that order.
   */
  static Map<String, Object> score(
      VolumeModel model, SpilledExamples examples, TrainConfig config, PrintStream log)
      throws IOException {
    Stopwatch time = Stopwatch.start();
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
    log.printf("test set (%,d rows) [%.1f s]%n", testRows, time.seconds());
    log.printf("  model  %s%n", ours);
    log.printf("  naive  %s   (Volume ≈ vol_moving_avg)%n", naive);

    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("test_rows", testRows);
    metrics.put("model", ours.toMap());
    metrics.put("naive", naive.toMap());
    if (forestRows > 0) {
      metrics.put("random_forest", forest(forestTest.rows(), examples, config, log));
    }
    return metrics;
  }

  /** Fits the forest on the training sample; scores it on rows of (vma, med, actual, ours). */
  private static Map<String, Object> forest(
      double[][] rows, SpilledExamples examples, TrainConfig config, PrintStream log) {
    Stopwatch fit = Stopwatch.start();
    ForestBaseline forest =
        ForestBaseline.fit(examples.trainingSample(), config.forestTrees(), config.seed());
    double fitSeconds = fit.seconds();
    Stopwatch predict = Stopwatch.start();
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
        predict.seconds(),
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
