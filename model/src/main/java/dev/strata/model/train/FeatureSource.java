package dev.strata.model.train;

import java.io.IOException;

/**
 * The rows training reads: the market job's stage-2 output, one symbol at a time, in date order.
 * The model module knows no file format; the pipeline adapts its Parquet reader to this. A source
 * can be scanned more than once and yields the same series in the same order each time.
 */
@FunctionalInterface
public interface FeatureSource {
  /** Hands every series to {@code visitor}, in a fixed order. */
  void scan(SeriesVisitor visitor) throws IOException;

  /** Receives one symbol's rows. Arrays are only valid during the call. */
  @FunctionalInterface
  interface SeriesVisitor {
    /**
     * @param symbol the series' symbol
     * @param epochDays dates as days since 1970-01-01, strictly increasing
     * @param volMovingAvg {@code vol_moving_avg} of the window ending on that row; NaN when null
     * @param adjCloseRollingMed {@code adj_close_rolling_med} of that window; NaN when null
     * @param volume the row's {@code Volume}
     */
    void visit(
        String symbol,
        int[] epochDays,
        double[] volMovingAvg,
        double[] adjCloseRollingMed,
        long[] volume)
        throws IOException;
  }
}
