package dev.strata.transforms.sensors;

import java.util.EnumMap;
import java.util.Map;

/**
 * Two small runs whose alignment and statistics are worked out by hand (step 10 ms, gap limit auto:
 * 5 x the median sampling interval).
 *
 * <ul>
 *   <li>{@code r1}: robot 1 only, all six signals read at T0, T0+10 ms, T0+20 ms: x = 0, 3, 6; y =
 *       0, 4, 8; z = 1; forces fx = 3, fy = 4, fz = 0. Three grid points, path 5 + 5 = 10 mm, speed
 *       |(300, 400, 0)| = 500 mm/s everywhere, force |(3, 4, 0)| = 5 N.
 *   <li>{@code r2}: robot 2's encoders only, read at T0 + 0, 10, 20, 30 and 200 ms: x = 0, 1, 2, 3,
 *       20; y = z = 0; the first z reading flagged as a spike. The median interval is 10 ms, so the
 *       gap limit is 50 ms: the 16 grid points 40..190 ms are dropped, 5 are kept. Path 3 mm (the
 *       30 to 200 ms jump is never bridged), speed 100 mm/s on the four consecutive points, none at
 *       the isolated 200 ms point.
 * </ul>
 */
final class RunFixtures {
  private RunFixtures() {}

  static final long T0 = 1_669_236_000_000_000_000L; // 2022-11-23T20:40:00Z, a multiple of 10 ms
  static final long MS = 1_000_000L;

  static long[] times(long... ms) {
    long[] t = new long[ms.length];
    for (int i = 0; i < ms.length; i++) {
      t[i] = T0 + ms[i] * MS;
    }
    return t;
  }

  static SignalSeries series(String run, Signal s, long[] t, double... v) {
    return SignalSeries.of(run, s, t, v, "fixture-" + run + ".csv");
  }

  static Map<Signal, SignalSeries> r1() {
    long[] t = times(0, 10, 20);
    Map<Signal, SignalSeries> m = new EnumMap<>(Signal.class);
    m.put(Signal.X_1, series("r1", Signal.X_1, t, 0, 3, 6));
    m.put(Signal.Y_1, series("r1", Signal.Y_1, t, 0, 4, 8));
    m.put(Signal.Z_1, series("r1", Signal.Z_1, t, 1, 1, 1));
    m.put(Signal.FX_1, series("r1", Signal.FX_1, t, 3, 3, 3));
    m.put(Signal.FY_1, series("r1", Signal.FY_1, t, 4, 4, 4));
    m.put(Signal.FZ_1, series("r1", Signal.FZ_1, t, 0, 0, 0));
    return m;
  }

  static Map<Signal, SignalSeries> r2() {
    long[] t = times(0, 10, 20, 30, 200);
    Map<Signal, SignalSeries> m = new EnumMap<>(Signal.class);
    m.put(Signal.X_2, series("r2", Signal.X_2, t, 0, 1, 2, 3, 20));
    m.put(Signal.Y_2, series("r2", Signal.Y_2, t, 0, 0, 0, 0, 0));
    m.put(
        Signal.Z_2,
        series("r2", Signal.Z_2, t, 0, 0, 0, 0, 0)
            .withSpikes(new boolean[] {true, false, false, false, false}));
    return m;
  }

  static RunTable table(String run, Map<Signal, SignalSeries> signals) {
    return RunTable.align(run, signals, AlignSpec.defaults());
  }

  static double[] pair(double a, double b) {
    return new double[] {a, b};
  }

  /** r1's statistics, by hand. */
  static RunStatistics r1Statistics() {
    return new RunStatistics(
        "r1",
        T0,
        T0 + 20 * MS,
        0.02,
        pair(10, Double.NaN),
        10,
        new long[] {3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0},
        "fx_2,fy_2,fz_2,x_2,y_2,z_2",
        pair(5, Double.NaN),
        pair(500, Double.NaN),
        pair(500, Double.NaN),
        3,
        0,
        0,
        0,
        0);
  }

  /** r2's statistics, by hand. */
  static RunStatistics r2Statistics() {
    return new RunStatistics(
        "r2",
        T0,
        T0 + 200 * MS,
        0.2,
        pair(Double.NaN, 3),
        3,
        new long[] {0, 0, 0, 0, 0, 0, 0, 5, 0, 5, 0, 5},
        "fx_1,fx_2,fy_1,fy_2,fz_1,fz_2,x_1,y_1,z_1",
        pair(Double.NaN, Double.NaN),
        pair(Double.NaN, 100),
        pair(Double.NaN, 100),
        5,
        16,
        1,
        0,
        0);
  }
}
