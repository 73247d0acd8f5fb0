package dev.strata.model;

import java.util.List;

/**
 * The volume model's input contract: the feature columns the market job's stage 2 writes and the
 * prediction API accepts, in model input order. The single source of truth for names; training
 * (issue 3) and the API (issue 4) read it from here.
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

  private FeatureSpec() {}
}
