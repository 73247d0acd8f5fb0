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
    return builder(outputDir, workDir).build();
  }

  /** A builder holding {@link #defaults}, to change only what differs. */
  public static Builder builder(Path outputDir, Path workDir) {
    return new Builder(outputDir, workDir);
  }

  /** A builder holding this config's settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  @Override
  public int[] hidden() {
    return hidden.clone();
  }

  public TrainConfig withHidden(int... h) {
    return toBuilder().hidden(h).build();
  }

  public TrainConfig withEpochs(int max, int newPatience) {
    return toBuilder().maxEpochs(max).patience(newPatience).build();
  }

  public TrainConfig withBatch(int newBatchSize, double newLearningRate, int newBucketRows) {
    return toBuilder()
        .batchSize(newBatchSize)
        .learningRate(newLearningRate)
        .bucketRows(newBucketRows)
        .build();
  }

  public TrainConfig withSeed(long newSeed) {
    return toBuilder().seed(newSeed).build();
  }

  public TrainConfig withForest(int trees, int sampleRows, int testRows) {
    return toBuilder().forestTrees(trees).sampleRows(sampleRows).forestTestRows(testRows).build();
  }

  /**
   * Collects settings for a {@link TrainConfig}; {@link #build} checks them. Starts from {@link
   * #defaults} or from an existing config ({@link #toBuilder}).
   */
  public static final class Builder {
    private Path outputDir;
    private Path workDir;
    private int[] hidden = {32, 32};
    private int batchSize = 2048;
    private double learningRate = 5e-3;
    private int maxEpochs = 10;
    private int patience = 2;
    private long seed = 42L;
    private double validationFraction = 0.10;
    private double testFraction = 0.20;
    private int bucketRows = 1_000_000;
    private int forestTrees = 100;
    private int sampleRows = 100_000;
    private int forestTestRows = 200_000;

    private Builder(Path outputDir, Path workDir) {
      this.outputDir = outputDir;
      this.workDir = workDir;
    }

    private Builder(TrainConfig c) {
      this(c.outputDir, c.workDir);
      hidden = c.hidden;
      batchSize = c.batchSize;
      learningRate = c.learningRate;
      maxEpochs = c.maxEpochs;
      patience = c.patience;
      seed = c.seed;
      validationFraction = c.validationFraction;
      testFraction = c.testFraction;
      bucketRows = c.bucketRows;
      forestTrees = c.forestTrees;
      sampleRows = c.sampleRows;
      forestTestRows = c.forestTestRows;
    }

    public Builder outputDir(Path dir) {
      outputDir = dir;
      return this;
    }

    public Builder workDir(Path dir) {
      workDir = dir;
      return this;
    }

    public Builder hidden(int... sizes) {
      hidden = sizes.clone();
      return this;
    }

    public Builder batchSize(int n) {
      batchSize = n;
      return this;
    }

    public Builder learningRate(double rate) {
      learningRate = rate;
      return this;
    }

    public Builder maxEpochs(int n) {
      maxEpochs = n;
      return this;
    }

    public Builder patience(int epochs) {
      patience = epochs;
      return this;
    }

    public Builder seed(long s) {
      seed = s;
      return this;
    }

    public Builder validationFraction(double fraction) {
      validationFraction = fraction;
      return this;
    }

    public Builder testFraction(double fraction) {
      testFraction = fraction;
      return this;
    }

    public Builder bucketRows(int rows) {
      bucketRows = rows;
      return this;
    }

    public Builder forestTrees(int trees) {
      forestTrees = trees;
      return this;
    }

    public Builder sampleRows(int rows) {
      sampleRows = rows;
      return this;
    }

    public Builder forestTestRows(int rows) {
      forestTestRows = rows;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public TrainConfig build() {
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
          forestTrees,
          sampleRows,
          forestTestRows);
    }
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
