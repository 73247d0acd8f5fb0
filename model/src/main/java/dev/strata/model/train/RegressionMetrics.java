package dev.strata.model.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mean absolute error, root mean squared error and the coefficient of determination of predictions
 * against actual values, accumulated in one pass: {@code R² = 1 - SS_res / SS_tot}, where {@code
 * SS_tot} is the actual values' sum of squares about their own mean (computed from running sums of
 * {@code y} and {@code y²}, shifted by the first value for numerical stability).
 */
public final class RegressionMetrics {
  private long n;
  private double absSum;
  private double sqSum;
  private double shift = Double.NaN;
  private double ySum;
  private double y2Sum;

  public void add(double actual, double predicted) {
    if (n == 0) {
      shift = actual;
    }
    n++;
    double e = predicted - actual;
    absSum += Math.abs(e);
    sqSum += e * e;
    double y = actual - shift;
    ySum += y;
    y2Sum += y * y;
  }

  public long count() {
    return n;
  }

  public double mae() {
    return absSum / n;
  }

  public double rmse() {
    return Math.sqrt(sqSum / n);
  }

  public double r2() {
    double ssTot = y2Sum - ySum * ySum / n;
    return ssTot > 0 ? 1 - sqSum / ssTot : Double.NaN;
  }

  /** {@code {"rows", "mae", "rmse", "r2"}} for {@code metrics.json}. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rows", n);
    m.put("mae", mae());
    m.put("rmse", rmse());
    m.put("r2", r2());
    return m;
  }

  @Override
  public String toString() {
    return String.format("MAE %,.0f  RMSE %,.0f  R² %.4f  (%,d rows)", mae(), rmse(), r2(), n);
  }
}
