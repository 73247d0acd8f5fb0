package dev.strata.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * The standardisation of {@link FeatureSpec}'s transformed inputs and target: {@code z = (v - mean)
 * / std}, with means and standard deviations measured on the training split only.
 */
public final class Scaling {
  private final double[] mean;
  private final double[] std;
  private final double targetMean;
  private final double targetStd;

  @JsonCreator
  public Scaling(
      @JsonProperty("input_mean") double[] mean,
      @JsonProperty("input_std") double[] std,
      @JsonProperty("target_mean") double targetMean,
      @JsonProperty("target_std") double targetStd) {
    if (mean.length != FeatureSpec.SIZE || std.length != FeatureSpec.SIZE) {
      throw new IllegalArgumentException(
          "scaling has " + mean.length + " inputs, the feature spec " + FeatureSpec.SIZE);
    }
    for (double s : std) {
      checkPositive(s);
    }
    checkPositive(targetStd);
    this.mean = mean.clone();
    this.std = std.clone();
    this.targetMean = targetMean;
    this.targetStd = targetStd;
  }

  private static void checkPositive(double s) {
    if (!(s > 0) || Double.isInfinite(s)) {
      throw new IllegalArgumentException("a standard deviation must be positive, but was " + s);
    }
  }

  @JsonProperty("input_mean")
  public double[] mean() {
    return mean.clone();
  }

  @JsonProperty("input_std")
  public double[] std() {
    return std.clone();
  }

  @JsonProperty("target_mean")
  public double targetMean() {
    return targetMean;
  }

  @JsonProperty("target_std")
  public double targetStd() {
    return targetStd;
  }

  /** The network input for input {@code i} (0 = vol_moving_avg, 1 = adj_close_rolling_med). */
  public float input(int i, double raw) {
    return (float) standardize(i, FeatureSpec.symlog(raw));
  }

  /** The standardised target for a volume. */
  public float target(long volume) {
    return (float) standardizeTarget(FeatureSpec.logVolume(volume));
  }

  /**
   * Input {@code i} standardised from its already transformed value {@code symlog(x)}: for callers
   * that store transformed values, as training's spill files do.
   */
  public double standardize(int i, double transformed) {
    return (transformed - mean[i]) / std[i];
  }

  /** The target standardised from its already transformed value {@code ln(1 + volume)}. */
  public double standardizeTarget(double logVolume) {
    return (logVolume - targetMean) / targetStd;
  }

  /** The volume a network output stands for. */
  public long volume(float output) {
    return FeatureSpec.volumeOf(output * targetStd + targetMean);
  }

  /** Mean and standard deviation by Welford's method, for building a {@link Scaling}. */
  public static final class Builder {
    private final long[] n = new long[FeatureSpec.SIZE + 1];
    private final double[] m = new double[FeatureSpec.SIZE + 1];
    private final double[] s = new double[FeatureSpec.SIZE + 1];

    /** Adds one training example (raw values). */
    public void add(double volMovingAvg, double adjCloseRollingMed, long volume) {
      update(0, FeatureSpec.symlog(volMovingAvg));
      update(1, FeatureSpec.symlog(adjCloseRollingMed));
      update(2, FeatureSpec.logVolume(volume));
    }

    private void update(int k, double x) {
      n[k]++;
      double d = x - m[k];
      m[k] += d / n[k];
      s[k] += d * (x - m[k]);
    }

    private double std(int k) {
      double sd = n[k] > 1 ? Math.sqrt(s[k] / (n[k] - 1)) : 0;
      // A constant column carries no information; scale 1 keeps it finite instead of dividing by 0.
      return sd > 1e-12 ? sd : 1.0;
    }

    public Scaling build() {
      if (n[0] == 0) {
        throw new IllegalStateException("no training examples to measure the scaling on");
      }
      return new Scaling(new double[] {m[0], m[1]}, new double[] {std(0), std(1)}, m[2], std(2));
    }
  }

  @Override
  public String toString() {
    return "Scaling{mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + ", target="
        + targetMean
        + "±"
        + targetStd
        + "}";
  }
}
