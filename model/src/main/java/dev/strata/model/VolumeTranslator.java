package dev.strata.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

/**
 * Turns a {@link FeatureBatch} of at most {@link VolumePredictor#CHUNK} rows into the network's
 * standardised input, always {@code (CHUNK, 2)} (zero rows pad it; see {@link VolumePredictor} for
 * why the shape is fixed), and the first {@code n} outputs back into whole volumes, with the {@link
 * Scaling} stored in {@code model.bin}.
 */
final class VolumeTranslator implements NoBatchifyTranslator<FeatureBatch, long[]> {
  private final Scaling scaling;

  VolumeTranslator(Scaling scaling) {
    this.scaling = scaling;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, FeatureBatch batch) {
    int n = batch.size();
    if (n > VolumePredictor.CHUNK) {
      throw new IllegalArgumentException(
          n + " rows in one pass; VolumePredictor splits batches into " + VolumePredictor.CHUNK);
    }
    float[] x = new float[VolumePredictor.CHUNK * FeatureSpec.SIZE];
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
    ctx.setAttachment("rows", n);
    return new NDList(
        ctx.getNDManager().create(x, new Shape(VolumePredictor.CHUNK, FeatureSpec.SIZE)));
  }

  @Override
  public long[] processOutput(TranslatorContext ctx, NDList list) {
    NDArray out = list.singletonOrThrow();
    float[] z = out.toFloatArray();
    int n = (Integer) ctx.getAttachment("rows");
    long[] volumes = new long[n];
    for (int i = 0; i < n; i++) {
      volumes[i] = scaling.volume(z[i]);
    }
    return volumes;
  }
}
