package dev.strata.transforms.sensors;

import java.util.Arrays;

/**
 * Flags isolated spikes in one signal (a Hampel filter): reading {@code i} is a spike when it is
 * more than {@code threshold} robust standard deviations ({@code 1.4826 · MAD}) from the median of
 * the {@code 2·half + 1} readings around it, while both its neighbours are within that distance.
 * The second condition keeps real motion (a step or a fast stretch moves several neighbours
 * together) from being flagged: only single-reading excursions are. A window with no spread (MAD 0,
 * a constant stretch) uses the median's own magnitude times 10⁻⁶ as its floor.
 */
public final class SpikeDetector implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final int half;
  private final double threshold;

  public SpikeDetector(int half, double threshold) {
    if (half < 2 || !(threshold > 0)) {
      throw new IllegalArgumentException(
          "need a window of at least 2 either side and a positive threshold");
    }
    this.half = half;
    this.threshold = threshold;
  }

  public static SpikeDetector defaults() {
    return new SpikeDetector(5, 8.0);
  }

  public boolean[] flag(double[] x) {
    int n = x.length;
    boolean[] out = new boolean[n];
    if (n < 2 * half + 1) {
      return out;
    }
    double[] window = new double[2 * half + 1];
    double[] dev = new double[2 * half + 1];
    for (int i = 0; i < n; i++) {
      int from = Math.max(0, Math.min(i - half, n - window.length));
      System.arraycopy(x, from, window, 0, window.length);
      Arrays.sort(window);
      double med = window[half];
      for (int k = 0; k < window.length; k++) {
        dev[k] = Math.abs(x[from + k] - med);
      }
      Arrays.sort(dev);
      double sigma = Math.max(1.4826 * dev[half], 1e-6 * Math.abs(med) + 1e-12);
      double limit = threshold * sigma;
      if (Math.abs(x[i] - med) > limit
          && (i == 0 || Math.abs(x[i - 1] - med) <= limit)
          && (i == n - 1 || Math.abs(x[i + 1] - med) <= limit)) {
        out[i] = true;
      }
    }
    return out;
  }
}
