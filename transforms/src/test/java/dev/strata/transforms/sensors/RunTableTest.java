package dev.strata.transforms.sensors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.Test;

/**
 * Analytic fixtures: robot 1's tool moves on a circle of radius R at constant angular speed ω
 * (speed Rω, centripetal acceleration Rω², path length Rω·T), robot 2's on a straight line at
 * constant speed; encoders sampled every 12 ms, load cells every 10 ms, each with ±2 ms jitter and
 * 2 % of readings dropped, forces constant. The aligned table must reproduce the analytic values.
 */
public class RunTableTest {
  static final double R = 500;
  static final double W = 0.5;
  static final long T0 = 1_669_236_000_000_000_000L; // 2022-11-23T20:40:00Z
  static final double SECONDS = 20;

  /** Readings of f(t) at a nominal period with jitter and drops, sorted, unique times. */
  static SignalSeries sample(
      Signal s, DoubleUnaryOperator f, double periodMs, Random r, double from, double to) {
    List<long[]> times = new ArrayList<>();
    long[] t = new long[(int) ((to - from) * 1000 / periodMs) + 2];
    double[] v = new double[t.length];
    int n = 0;
    long previous = Long.MIN_VALUE;
    for (int k = 0; ; k++) {
      double sec = from + k * periodMs / 1000 + (k == 0 ? 0 : (r.nextDouble() - 0.5) * 0.004);
      if (sec > to) {
        break;
      }
      long ns = T0 + Math.round(sec * 1e9);
      boolean drop = k > 0 && r.nextDouble() < 0.02;
      if (drop || ns <= previous) {
        continue;
      }
      t[n] = ns;
      v[n] = f.applyAsDouble((ns - T0) / 1e9);
      previous = ns;
      n++;
    }
    return SignalSeries.of("run-1", s, Arrays.copyOf(t, n), Arrays.copyOf(v, n), "fixture");
  }

  static Map<Signal, SignalSeries> fixture(Random r) {
    Map<Signal, SignalSeries> m = new EnumMap<>(Signal.class);
    m.put(Signal.X_1, sample(Signal.X_1, t -> 1500 + R * Math.cos(W * t), 12, r, 0, SECONDS));
    m.put(Signal.Y_1, sample(Signal.Y_1, t -> 800 + R * Math.sin(W * t), 12, r, 0, SECONDS));
    m.put(Signal.Z_1, sample(Signal.Z_1, t -> -300, 12, r, 0, SECONDS));
    m.put(Signal.X_2, sample(Signal.X_2, t -> 1000 + 30 * t, 12, r, 0, SECONDS));
    m.put(Signal.Y_2, sample(Signal.Y_2, t -> 900 - 40 * t, 12, r, 0, SECONDS));
    m.put(Signal.Z_2, sample(Signal.Z_2, t -> -100, 12, r, 0, SECONDS));
    double[] f = {3, 6, 4, 8, 12, 0};
    Signal[] forces = {
      Signal.FX_1, Signal.FX_2, Signal.FY_1, Signal.FY_2, Signal.FZ_1, Signal.FZ_2
    };
    for (int i = 0; i < 6; i++) {
      double c = f[i];
      m.put(forces[i], sample(forces[i], t -> c, 10, r, 0, SECONDS));
    }
    return m;
  }

  @Test
  public void circleAndLineMatchTheAnalyticKinematics() {
    RunTable t = RunTable.align("run-1", fixture(new Random(1)), AlignSpec.defaults());
    assertEquals(0, t.pointsDropped());
    assertTrue(t.missing().isEmpty());
    // the grid covers the overlap of all twelve signals, at exactly 10 ms
    assertEquals(gridPoints(fixture(new Random(1)), 10_000_000L), t.size());
    assertTrue(t.size() > 1900);
    for (int i = 1; i < t.size(); i++) {
      assertEquals(10_000_000L, t.time(i) - t.time(i - 1));
    }
    double[] v1 = t.column("v1");
    double[] a1 = t.column("a1");
    double[] v2 = t.column("v2");
    double[] a2 = t.column("a2");
    double[] f1 = t.column("f1");
    double[] f2 = t.column("f2");
    double[] accel = new double[t.size()];
    for (int i = 0; i < t.size(); i++) {
      // speed on the circle R·ω = 250 mm/s: linear interpolation of 12 ms readings and central
      // differences keep every point within 0.5 %
      assertEquals("v1 at " + i, R * W, v1[i], 0.005 * R * W);
      // straight line at 50 mm/s: interpolation of a linear motion is exact
      assertEquals("v2 at " + i, 50, v2[i], 1e-6);
      assertEquals("a2 at " + i, 0, a2[i], 1e-3);
      assertEquals(13, f1[i], 1e-9);
      assertEquals(10, f2[i], 1e-9);
      accel[i] = a1[i];
    }
    // Centripetal acceleration R·ω² = 125 mm/s². A second difference over 10 ms amplifies the
    // interpolation error between jittered readings (≈ R(ωΔ)²/8 ≈ 2 µm) by 1/h², so single points
    // scatter by ~20 %; the median over the run is within 2 %.
    Arrays.sort(accel);
    assertEquals(R * W * W, accel[accel.length / 2], 0.02 * R * W * W);
    RunStatistics s = RunStatistics.of(t);
    double span = (t.time(t.size() - 1) - t.time(0)) / 1e9;
    // path length: arc R·ω·T and line 50·T over the grid's span, within 0.1 %
    assertEquals(R * W * span, s.distanceMm[0], 1e-3 * R * W * span);
    assertEquals(50 * span, s.distanceMm[1], 1e-6 * 50 * span);
    assertEquals(s.distanceMm[0] + s.distanceMm[1], s.totalDistanceMm, 1e-9);
    assertEquals(13, s.maxForce[0], 1e-9);
    assertEquals(R * W, s.meanSpeed[0], 0.002 * R * W);
    assertEquals("", s.missingSignals);
  }

  @Test
  public void longGapsAreNotBridgedAndMissingSignalsStayNull() {
    Map<Signal, SignalSeries> m = fixture(new Random(2));
    // cut 0.5 s out of x_2 (readings every 12 ms: 0.5 s is far beyond 5 × the median interval)
    SignalSeries x2 = m.get(Signal.X_2);
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < x2.size(); i++) {
      double sec = (x2.time(i) - T0) / 1e9;
      if (sec < 5 || sec > 5.5) {
        keep.add(i);
      }
    }
    m.put(Signal.X_2, x2.select(keep.stream().mapToInt(Integer::intValue).toArray()));
    m.remove(Signal.Z_1);
    RunTable t = RunTable.align("run-1", m, AlignSpec.defaults());
    // the ~50 grid points inside the gap are dropped and counted; none is interpolated across it
    long before = Long.MIN_VALUE;
    long after = Long.MAX_VALUE;
    for (int i = 0; i < x2.size(); i++) {
      double sec = (x2.time(i) - T0) / 1e9;
      if (sec < 5) {
        before = Math.max(before, x2.time(i));
      } else if (sec > 5.5) {
        after = Math.min(after, x2.time(i));
      }
    }
    long inGap = 0;
    for (long g = ceil(before + 1, 10_000_000L); g < after; g += 10_000_000L) {
      inGap++;
    }
    assertEquals(inGap, t.pointsDropped());
    assertEquals(gridPoints(m, 10_000_000L) - inGap, t.size());
    assertTrue("dropped " + t.pointsDropped(), t.pointsDropped() >= 48 && t.pointsDropped() <= 52);
    for (int i = 0; i < t.size(); i++) {
      double sec = (t.time(i) - T0) / 1e9;
      assertTrue(sec <= 5.0 + 0.011 || sec >= 5.5 - 0.011);
    }
    assertEquals(Set.of(Signal.Z_1), t.missing());
    assertNull(t.column("z_1"));
    assertNull(t.column("v1"));
    assertTrue(t.column("vx_1") != null);
    RunStatistics s = RunStatistics.of(t);
    assertTrue(Double.isNaN(s.distanceMm[0]));
    assertEquals("z_1", s.missingSignals);
    // robot 2's path skips the gap: 50 mm/s over the span minus the dropped stretch
    double span = (t.time(t.size() - 1) - t.time(0)) / 1e9;
    double skipped = (t.pointsDropped() + 1) * 0.01;
    assertEquals(50 * (span - skipped), s.distanceMm[1], 0.5);
    assertEquals(s.distanceMm[1], s.totalDistanceMm, 1e-9);
  }

  @Test
  public void autoGapLimitFollowsEachSignalsOwnRate() {
    Map<Signal, SignalSeries> m = new EnumMap<>(Signal.class);
    // resampled every 1.667 s, like the early real sample: bridged, not dropped
    m.put(Signal.FX_1, sample(Signal.FX_1, t -> 5 * t, 1667, new Random(3), 0, 60));
    RunTable t = RunTable.align("r", m, AlignSpec.defaults());
    assertEquals(0, t.pointsDropped());
    assertEquals(5.0, (t.column("fx_1")[200] - t.column("fx_1")[100]) / 1.0, 1e-9);
    // a fixed 100 ms limit drops everything between readings
    RunTable strict = RunTable.align("r", m, new AlignSpec(10_000_000L, 100_000_000L));
    // only grid points that fall exactly on a reading are kept
    SignalSeries fx = m.get(Signal.FX_1);
    int onGrid = 0;
    for (int i = 0; i < fx.size(); i++) {
      if (fx.time(i) % 10_000_000L == 0) {
        onGrid++;
      }
    }
    assertEquals(onGrid, strict.size());
    assertEquals(gridPoints(m, 10_000_000L) - onGrid, strict.pointsDropped());
    assertTrue(strict.size() < 60);
  }

  /** The smallest multiple of {@code step} at or after {@code t}. */
  static long ceil(long t, long step) {
    return Math.floorDiv(t + step - 1, step) * step;
  }

  /**
   * Grid points of the span where all the signals overlap (latest first reading to earliest last
   * reading), by a plain count of the multiples of {@code step} in it.
   */
  static long gridPoints(Map<Signal, SignalSeries> signals, long step) {
    long start = Long.MIN_VALUE;
    long end = Long.MAX_VALUE;
    for (SignalSeries s : signals.values()) {
      start = Math.max(start, s.time(0));
      end = Math.min(end, s.time(s.size() - 1));
    }
    long n = 0;
    for (long g = ceil(start, step); g <= end; g += step) {
      n++;
    }
    return n;
  }

  private static final class Set {
    static java.util.Set<Signal> of(Signal s) {
      return java.util.EnumSet.of(s);
    }
  }
}
