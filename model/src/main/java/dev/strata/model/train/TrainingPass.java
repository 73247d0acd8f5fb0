package dev.strata.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import dev.strata.model.FeatureSpec;
import dev.strata.model.Scaling;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * One epoch of gradient steps over the training split: buckets in a seeded random order, each
 * bucket's rows in {@link ShuffleOrder#ofRows} order, {@link TrainConfig#batchSize()} rows per
 * step.
 */
final class TrainingPass {
  private TrainingPass() {}

  /** Runs epoch {@code epoch} (1-based); returns its mean L1 loss on the standardised target. */
  static double run(Trainer trainer, SpilledExamples examples, TrainConfig config, int epoch)
      throws IOException {
    Scaling scaling = examples.scaling();
    RowFile[] buckets = examples.buckets();
    long epochSeed = Examples.mix(config.seed() * 31 + epoch);
    int[] order = ShuffleOrder.permutation(buckets.length, new SplittableRandom(epochSeed));
    double lossSum = 0;
    long n = 0;
    int batch = config.batchSize();
    float[] x = new float[batch * FeatureSpec.SIZE];
    float[] y = new float[batch];
    for (int b : order) {
      RowFile bucket = buckets[b];
      int rows = Math.toIntExact(bucket.rows());
      double[] data = new double[rows * 3];
      long[] keys = new long[rows];
      bucket.read(0, rows, data, keys);
      int[] perm = ShuffleOrder.ofRows(keys, Examples.mix(epochSeed + b));
      for (int start = 0; start < rows; start += batch) {
        int m = Math.min(batch, rows - start);
        for (int i = 0; i < m; i++) {
          int r = perm[start + i] * 3;
          x[2 * i] = (float) scaling.standardize(0, data[r]);
          x[2 * i + 1] = (float) scaling.standardize(1, data[r + 1]);
          y[i] = (float) scaling.standardizeTarget(data[r + 2]);
        }
        try (NDManager batchManager = trainer.getManager().newSubManager()) {
          NDArray features = Tensors.matrix(batchManager, x, m, FeatureSpec.SIZE);
          NDArray labels = Tensors.matrix(batchManager, y, m, 1);
          try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList predictions = trainer.forward(new NDList(features));
            NDArray loss = trainer.getLoss().evaluate(new NDList(labels), predictions);
            collector.backward(loss);
            lossSum += loss.getFloat() * (double) m;
            n += m;
          }
          try {
            trainer.step();
          } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("Gradient values are all zeros")) {
              throw new IllegalArgumentException(
                  "training cannot fit: every gradient is zero (the training rows are all alike"
                      + " after scaling); give more varied data",
                  e);
            }
            throw e;
          }
        }
      }
    }
    return lossSum / n;
  }
}
