package dev.strata.model;

/**
 * Inputs for {@code n} predictions: {@code volMovingAvg[i]} and {@code adjCloseRollingMed[i]} are
 * the features of the window ending on the day before the one to predict. Values must be finite.
 */
public record FeatureBatch(double[] volMovingAvg, double[] adjCloseRollingMed) {
  public FeatureBatch {
    if (volMovingAvg.length != adjCloseRollingMed.length) {
      throw new IllegalArgumentException(
          "feature columns differ in length: "
              + volMovingAvg.length
              + " vs "
              + adjCloseRollingMed.length);
    }
  }

  public static FeatureBatch of(double volMovingAvg, double adjCloseRollingMed) {
    return new FeatureBatch(new double[] {volMovingAvg}, new double[] {adjCloseRollingMed});
  }

  public int size() {
    return volMovingAvg.length;
  }
}
