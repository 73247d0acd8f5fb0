package dev.strata.model.train;

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
    /**
     * @param key {@link #key(String, int)} of the example's symbol and day: a stable identity for
     *     sampling and shuffling that does not depend on the order rows arrive in
     */
    void accept(long key, int epochDay, double volMovingAvg, double adjCloseRollingMed, long volume)
        throws IOException;
  }

  /**
   * A 64-bit identity of (symbol, day), the same on every run and machine: FNV-1a over the symbol's
   * characters, combined with the day and finished with SplitMix64's mixer. Training derives
   * bucket, sample and shuffle order from it, so the model does not depend on how the feature files
   * happen to be sharded.
   */
  public static long key(String symbol, int epochDay) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < symbol.length(); i++) {
      h = (h ^ symbol.charAt(i)) * 0x100000001b3L;
    }
    return mix(h + epochDay * 0x9E3779B97F4A7C15L);
  }

  /** SplitMix64's finaliser: a bijection on longs that spreads every input bit. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
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
              visitor.accept(key(symbol, days[t]), days[t], vma[t - 1], med[t - 1], volume[t]);
            }
          }
        });
    return c;
  }
}
