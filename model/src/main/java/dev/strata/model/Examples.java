package dev.strata.model;

import java.io.IOException;

/**
 * Turns feature rows into training examples without target leakage: the example for day {@code t}
 * of a symbol is the features of the window ending on the symbol's previous trading row ({@code
 * t-1}) and the {@code Volume} of day {@code t}. The features of row {@code t} include {@code
 * Volume(t)} itself, so using them would leak the target.
 *
 * <p>A row yields no example when it is the symbol's first row, when the previous row's features
 * are null (the window's warm-up), or when they are not finite; those rows are counted by reason.
 */
public final class Examples {
  /** Receives one example. */
  @FunctionalInterface
  public interface Visitor {
    void accept(int epochDay, double volMovingAvg, double adjCloseRollingMed, long volume)
        throws IOException;
  }

  /** Rows seen and why some yielded no example. */
  public static final class Counts {
    public long rows;
    public long examples;
    public long firstRow;
    public long warmup;
    public long nonFinite;
    public long outOfOrder;

    public long excluded() {
      return firstRow + warmup + nonFinite + outOfOrder;
    }
  }

  private Examples() {}

  /** Scans {@code source} once and hands every example to {@code visitor}. */
  public static Counts scan(FeatureSource source, Visitor visitor) throws IOException {
    Counts c = new Counts();
    source.scan(
        (symbol, days, vma, med, volume) -> {
          int n = days.length;
          c.rows += n;
          if (n > 0) {
            c.firstRow++;
          }
          for (int t = 1; t < n; t++) {
            if (days[t] <= days[t - 1]) {
              // A source that is not strictly date-ordered cannot say which row is "previous".
              c.outOfOrder++;
            } else if (Double.isNaN(vma[t - 1]) || Double.isNaN(med[t - 1])) {
              c.warmup++;
            } else if (Double.isInfinite(vma[t - 1]) || Double.isInfinite(med[t - 1])) {
              c.nonFinite++;
            } else {
              c.examples++;
              visitor.accept(days[t], vma[t - 1], med[t - 1], volume[t]);
            }
          }
        });
    return c;
  }
}
