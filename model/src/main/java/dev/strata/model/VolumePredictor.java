package dev.strata.model;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;

/**
 * Predicts volumes with a DJL predictor, {@value #CHUNK} rows per forward pass, the last pass
 * padded to {@value #CHUNK} rows.
 *
 * <p>Why fixed-size passes: PyTorch picks its matrix kernels by batch size, and different kernels
 * round differently; measured on this model, about one row in five came out one share apart when
 * predicted alone rather than inside a large batch. With every pass the same shape, a row's volume
 * depends only on its own features: the API gives the same answer for the same query whatever else
 * it is predicting at that moment, and a batch gives the same numbers as single requests.
 *
 * <p>Not thread-safe (DJL predictors are not): one per thread, closed after use.
 */
public final class VolumePredictor implements AutoCloseable {
  /** Rows per forward pass. */
  public static final int CHUNK = 64;

  private final Predictor<FeatureBatch, long[]> predictor;

  VolumePredictor(Predictor<FeatureBatch, long[]> predictor) {
    this.predictor = predictor;
  }

  /**
   * The volume of every row, in order.
   *
   * @throws IllegalArgumentException if a feature is not finite
   */
  public long[] predict(FeatureBatch batch) throws TranslateException {
    int n = batch.size();
    if (n <= CHUNK) {
      return predictor.predict(batch);
    }
    long[] out = new long[n];
    for (int from = 0; from < n; from += CHUNK) {
      int to = Math.min(n, from + CHUNK);
      long[] part =
          predictor.predict(
              new FeatureBatch(
                  java.util.Arrays.copyOfRange(batch.volMovingAvg(), from, to),
                  java.util.Arrays.copyOfRange(batch.adjCloseRollingMed(), from, to)));
      System.arraycopy(part, 0, out, from, part.length);
    }
    return out;
  }

  @Override
  public void close() {
    predictor.close();
  }
}
