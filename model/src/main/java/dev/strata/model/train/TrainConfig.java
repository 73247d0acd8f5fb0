package dev.strata.model.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of a training run. Every field has a default; {@link #toMap()} lists them for the stage
 * manifest (so changing one reruns training) and {@code metrics.json}.
 *
 * @param outputDir where {@code model.bin}, {@code training.log}, {@code loss.csv}, {@code
 *     loss.png} and {@code metrics.json} go
 * @param workDir scratch space for the shuffled spill files (deleted afterwards)
 * @param hidden hidden layer sizes
 * @param batchSize examples per gradient step
 * @param learningRate Adam's step size in the first epoch; it halves every epoch
 * @param maxEpochs upper bound on passes over the training set
 * @param patience epochs without a better validation loss before stopping early
 * @param seed seeds initialisation, shuffling, the forest and every sample
 * @param validationFraction share of rows (by date) for early stopping
 * @param testFraction latest share of rows (by date) for the reported metrics
 * @param bucketRows rows per shuffle bucket: the training set is spilled to disk in random buckets
 *     of about this size and each epoch reads one bucket at a time, in random order, shuffled in
 *     memory; memory stays bounded by this, not by the dataset
 * @param forestTrees trees of the random-forest baseline (0 skips it)
 * @param sampleRows size of the uniform sample of the training split that the input scaling is
 *     measured on and the forest learns from
 * @param forestTestRows test rows (uniform sample) the forest is scored on; 0 = all of them
 */
public record TrainConfig(
    Path outputDir,
    Path workDir,
    int[] hidden,
    int batchSize,
    double learningRate,
    int maxEpochs,
    int patience,
    long seed,
    double validationFraction,
    double testFraction,
    int bucketRows,
    int forestTrees,
    int sampleRows,
    int forestTestRows) {

  public TrainConfig {
    hidden = hidden.clone();
    check(batchSize >= 1, "batchSize", batchSize);
    check(learningRate > 0, "learningRate", learningRate);
    check(maxEpochs >= 1, "maxEpochs", maxEpochs);
    check(patience >= 1, "patience", patience);
    check(bucketRows >= batchSize, "bucketRows (>= batchSize)", bucketRows);
    check(bucketRows <= 1 << 20, "bucketRows (<= 1,048,576)", bucketRows);
    check(forestTrees >= 0, "forestTrees", forestTrees);
    check(sampleRows >= 10, "sampleRows", sampleRows);
    check(forestTestRows >= 0, "forestTestRows", forestTestRows);
  }

  private static void check(boolean ok, String name, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(name + " is out of range: " + value);
    }
  }

  /** The defaults used by the market job. */
  public static TrainConfig defaults(Path outputDir, Path workDir) {
    return new TrainConfig(
        outputDir,
        workDir,
        new int[] {32, 32},
        2048,
        5e-3,
        10,
        2,
        42L,
        0.10,
        0.20,
        1_000_000,
        100,
        100_000,
        200_000);
  }

  @Override
  public int[] hidden() {
    return hidden.clone();
  }

  public TrainConfig withHidden(int... h) {
    return new TrainConfig(
        outputDir,
        workDir,
        h,
        batchSize,
        learningRate,
        maxEpochs,
        patience,
        seed,
        validationFraction,
        testFraction,
        bucketRows,
        forestTrees,
        sampleRows,
        forestTestRows);
  }

  public TrainConfig withEpochs(int max, int newPatience) {
    return new TrainConfig(
        outputDir,
        workDir,
        hidden,
        batchSize,
        learningRate,
        max,
        newPatience,
        seed,
        validationFraction,
        testFraction,
        bucketRows,
        forestTrees,
        sampleRows,
        forestTestRows);
  }

  public TrainConfig withBatch(int newBatchSize, double newLearningRate, int newBucketRows) {
    return new TrainConfig(
        outputDir,
        workDir,
        hidden,
        newBatchSize,
        newLearningRate,
        maxEpochs,
        patience,
        seed,
        validationFraction,
        testFraction,
        newBucketRows,
        forestTrees,
        sampleRows,
        forestTestRows);
  }

  public TrainConfig withSeed(long newSeed) {
    return new TrainConfig(
        outputDir,
        workDir,
        hidden,
        batchSize,
        learningRate,
        maxEpochs,
        patience,
        newSeed,
        validationFraction,
        testFraction,
        bucketRows,
        forestTrees,
        sampleRows,
        forestTestRows);
  }

  public TrainConfig withForest(int trees, int sampleRows, int testRows) {
    return new TrainConfig(
        outputDir,
        workDir,
        hidden,
        batchSize,
        learningRate,
        maxEpochs,
        patience,
        seed,
        validationFraction,
        testFraction,
        bucketRows,
        trees,
        sampleRows,
        testRows);
  }

  /** The settings that change the result, by name (no paths). */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("hidden", Arrays.toString(hidden));
    m.put("batch_size", Integer.toString(batchSize));
    m.put("learning_rate", Double.toString(learningRate));
    m.put("max_epochs", Integer.toString(maxEpochs));
    m.put("patience", Integer.toString(patience));
    m.put("seed", Long.toString(seed));
    m.put("validation_fraction", Double.toString(validationFraction));
    m.put("test_fraction", Double.toString(testFraction));
    m.put("bucket_rows", Integer.toString(bucketRows));
    m.put("forest_trees", Integer.toString(forestTrees));
    m.put("sample_rows", Integer.toString(sampleRows));
    m.put("forest_test_rows", Integer.toString(forestTestRows));
    return m;
  }
}
