package dev.strata.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.Trainer;
import dev.strata.model.FeatureSpec;
import dev.strata.model.Scaling;
import java.io.IOException;

/** The network's mean L1 loss on the validation split, on the standardised target. */
final class ValidationLoss {
  private ValidationLoss() {}

  static double of(Trainer trainer, SpilledExamples examples) throws IOException {
    Scaling scaling = examples.scaling();
    RowFile validation = examples.validation();
    int chunkRows = RowFile.READ_CHUNK_ROWS;
    double sum = 0;
    long n = validation.rows();
    double[] data = new double[chunkRows * 3];
    float[] x = new float[chunkRows * FeatureSpec.SIZE];
    for (long from = 0; from < n; from += chunkRows) {
      int m = (int) Math.min(chunkRows, n - from);
      validation.read(from, m, data, null);
      for (int i = 0; i < m; i++) {
        x[2 * i] = (float) scaling.standardize(0, data[3 * i]);
        x[2 * i + 1] = (float) scaling.standardize(1, data[3 * i + 1]);
      }
      try (NDManager chunk = trainer.getManager().newSubManager()) {
        NDArray features = Tensors.matrix(chunk, x, m, FeatureSpec.SIZE);
        float[] z = trainer.evaluate(new NDList(features)).singletonOrThrow().toFloatArray();
        for (int i = 0; i < m; i++) {
          double target = scaling.standardizeTarget(data[3 * i + 2]);
          sum += Math.abs(z[i] - target);
        }
      }
    }
    return sum / n;
  }
}
