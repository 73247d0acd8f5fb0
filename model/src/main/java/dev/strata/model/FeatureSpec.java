package dev.strata.model;

import java.util.List;

/**
 * The volume model's input contract: the feature columns the market job's stage 2 writes and the
 * prediction API accepts, in model input order, and how they are transformed before the network
 * sees them. The single source of truth for names; training, {@code model.bin} and the API read it
 * from here.
 *
 * <p>Transform (version {@value #VERSION}): every input {@code x} becomes {@code symlog(x) =
 * sign(x)·ln(1 + |x|)} and is then standardised with the training split's mean and standard
 * deviation; the target {@code Volume} becomes {@code ln(1 + Volume)}, standardised the same way.
 * Volumes span 0 to billions and prices 10⁻⁷ to 10⁵: on the raw scale a handful of mega-caps would
 * dominate every gradient, on the log scale a relative error counts the same for every symbol.
 */
public final class FeatureSpec {
  /** Mean {@code Volume} over the window (the current row and the 29 previous trading rows). */
  public static final String VOL_MOVING_AVG = "vol_moving_avg";

  /** Median {@code Adj Close} over the same window. */
  public static final String ADJ_CLOSE_ROLLING_MED = "adj_close_rolling_med";

  /** The model's target column. */
  public static final String TARGET = "Volume";

  /** Feature names in model input order. */
  public static final List<String> NAMES = List.of(VOL_MOVING_AVG, ADJ_CLOSE_ROLLING_MED);

  /** Number of model inputs. */
  public static final int SIZE = NAMES.size();

  /**
   * The largest value accepted for each input, in {@link #NAMES} order: 10¹¹ shares a day (the
   * busiest real days are below 10¹⁰) and a price of 10⁷ (the dearest real share is below 10⁶).
   * Larger values are input errors, not extrapolation targets. Every input must also be ≥ 0.
   */
  public static final List<Double> MAXIMUM = List.of(1e11, 1e7);

  /** Version of the names, order and transform above; stored in {@code model.bin}. */
  public static final int VERSION = 1;

  /** Name of the input transform stored in {@code model.bin}. */
  public static final String TRANSFORM = "symlog+standardize";

  /** Name of the target transform stored in {@code model.bin}. */
  public static final String TARGET_TRANSFORM = "log1p+standardize";

  private FeatureSpec() {}

  /** {@code sign(x)·ln(1 + |x|)}: a log scale that is defined for zero and negative values. */
  public static double symlog(double x) {
    return Math.copySign(Math.log1p(Math.abs(x)), x);
  }

  /** The target transform: {@code ln(1 + volume)}. */
  public static double logVolume(double volume) {
    return Math.log1p(volume);
  }

  /**
   * Inverse of {@link #logVolume}, as a whole number of shares: rounded, never negative, and
   * saturating at {@link Long#MAX_VALUE}.
   */
  public static long volumeOf(double logVolume) {
    double v = Math.expm1(logVolume);
    if (!(v > 0)) {
      return 0;
    }
    return Math.round(v);
  }
}
