package dev.strata.model.train;

import java.util.Random;

/**
 * A synthetic feature source with a known relation: {@code Volume(t) = vol_moving_avg(t-1) ·
 * (price(t-1) > 50 ? 3 : 1/3) · e^ε}, ε ~ N(0, 0.05²). The naive baseline ({@code Volume ≈
 * vol_moving_avg}) is off by a factor of 3 on every row; a model that learns the price effect is
 * within about 5 %.
 */
public final class Synthetic implements FeatureSource {
  final int symbols;
  final int days;
  final long seed;
  final boolean reversed;

  public Synthetic(int symbols, int days, long seed) {
    this(symbols, days, seed, false);
  }

  /** With {@code reversed}, the same series are handed over in the opposite order. */
  public Synthetic(int symbols, int days, long seed, boolean reversed) {
    this.symbols = symbols;
    this.days = days;
    this.seed = seed;
    this.reversed = reversed;
  }

  public static long expectedVolume(double volMovingAvg, double price) {
    return Math.round(volMovingAvg * (price > 50 ? 3.0 : 1.0 / 3.0));
  }

  @Override
  public void scan(SeriesVisitor visitor) throws java.io.IOException {
    if (reversed) {
      java.util.List<Object[]> all = new java.util.ArrayList<>();
      new Synthetic(symbols, days, seed, false)
          .scan((sym, d, a, b, v) -> all.add(new Object[] {sym, d, a, b, v}));
      for (int i = all.size() - 1; i >= 0; i--) {
        Object[] r = all.get(i);
        visitor.visit((String) r[0], (int[]) r[1], (double[]) r[2], (double[]) r[3], (long[]) r[4]);
      }
      return;
    }
    Random random = new Random(seed);
    for (int s = 0; s < symbols; s++) {
      int[] day = new int[days];
      double[] vma = new double[days];
      double[] med = new double[days];
      long[] volume = new long[days];
      double level = Math.exp(8 + 6 * random.nextDouble()); // 3 thousand to 3 million shares
      for (int t = 0; t < days; t++) {
        day[t] = 10_000 + t;
        vma[t] = t < 3 ? Double.NaN : level * Math.exp(0.5 * random.nextGaussian());
        med[t] = t < 3 ? Double.NaN : 5 + 90 * random.nextDouble();
        if (t > 0 && !Double.isNaN(vma[t - 1])) {
          volume[t] =
              Math.round(
                  expectedVolume(vma[t - 1], med[t - 1]) * Math.exp(0.05 * random.nextGaussian()));
        } else {
          volume[t] = Math.round(level);
        }
      }
      visitor.visit("S" + s, day, vma, med, volume);
    }
  }
}
