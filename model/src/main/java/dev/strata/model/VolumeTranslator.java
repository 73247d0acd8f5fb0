package dev.strata.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

/**
 * Turns a {@link FeatureBatch} into the network's standardised {@code (n, 2)} input and its {@code
 * (n, 1)} output back into whole volumes, with the {@link Scaling} stored in {@code model.bin}. A
 * batch is one forward pass, so a caller with many rows sends them together.
 */
final class VolumeTranslator implements NoBatchifyTranslator<FeatureBatch, long[]> {
  private final Scaling scaling;

  VolumeTranslator(Scaling scaling) {
    this.scaling = scaling;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, FeatureBatch batch) {
    int n = batch.size();
    float[] x = new float[n * FeatureSpec.SIZE];
    for (int i = 0; i < n; i++) {
      double a = batch.volMovingAvg()[i];
      double b = batch.adjCloseRollingMed()[i];
      if (!Double.isFinite(a) || !Double.isFinite(b)) {
        throw new IllegalArgumentException(
            "features must be finite, but row " + i + " was (" + a + ", " + b + ")");
      }
      x[2 * i] = scaling.input(0, a);
      x[2 * i + 1] = scaling.input(1, b);
    }
    return new NDList(ctx.getNDManager().create(x, new Shape(n, FeatureSpec.SIZE)));
  }

  @Override
  public long[] processOutput(TranslatorContext ctx, NDList list) {
    NDArray out = list.singletonOrThrow();
    float[] z = out.toFloatArray();
    long[] volumes = new long[z.length];
    for (int i = 0; i < z.length; i++) {
      volumes[i] = scaling.volume(z[i]);
    }
    return volumes;
  }
}
