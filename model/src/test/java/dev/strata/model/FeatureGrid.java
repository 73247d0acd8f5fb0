package dev.strata.model;

/** Feature rows that span the ranges of the synthetic training data, for comparing predictions. */
public final class FeatureGrid {
  private FeatureGrid() {}

  /**
   * 100 rows: {@code vol_moving_avg} from 10² to about 10⁷.⁴ in ten steps, each with {@code
   * adj_close_rolling_med} from 1 to 100 in ten steps.
   */
  public static FeatureBatch tenByTen() {
    double[] vma = new double[100];
    double[] med = new double[100];
    for (int i = 0; i < 100; i++) {
      vma[i] = Math.pow(10, 2 + i % 10 * 0.6);
      med[i] = 1 + (i / 10) * 11.0;
    }
    return new FeatureBatch(vma, med);
  }
}
