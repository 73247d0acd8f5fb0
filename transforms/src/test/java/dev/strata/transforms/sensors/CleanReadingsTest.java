package dev.strata.transforms.sensors;

import static org.junit.Assert.assertEquals;

import dev.strata.transforms.common.Failure;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;

public class CleanReadingsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static SignalSeries series(String source, long[] t, double[] v) {
    return SignalSeries.of("run", Signal.FX_1, t, v, source);
  }

  static double[] wave(int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = 100 + Math.sin(i / 5.0);
    }
    return v;
  }

  static long[] times(int n, long offset) {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      t[i] = offset + i * 10_000_000L;
    }
    return t;
  }

  /**
   * Two files of one signal: b repeats a's readings 10..19 exactly (duplicates) and disagrees with
   * a at 30 (conflict); a has one isolated spike at 50. 60 + 20 + 1 readings in.
   */
  static List<SignalSeries> input() {
    double[] a = wave(60);
    a[50] += 40;
    long[] tb = new long[21];
    double[] vb = new double[21];
    for (int i = 0; i < 20; i++) {
      tb[i] = (10 + i) * 10_000_000L;
      vb[i] = a[10 + i];
    }
    tb[20] = 30 * 10_000_000L;
    vb[20] = a[30] + 1;
    // b's readings are not sorted by time: the transform sorts them
    return List.of(series("b.csv", reverse(tb), reverse(vb)), series("a.csv", times(60, 0), a));
  }

  static long[] reverse(long[] x) {
    long[] r = new long[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = x[x.length - 1 - i];
    }
    return r;
  }

  static double[] reverse(double[] x) {
    double[] r = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = x[x.length - 1 - i];
    }
    return r;
  }

  @Test
  public void dropsDuplicatesRejectsConflictsAndFlagsSpikes() {
    PCollectionTuple out =
        p.apply(Create.of(input()).withCoder(SignalSeriesCoder.of()))
            .apply(CleanReadings.of(SpikeDetector.defaults(), false));
    PAssert.that(out.get(CleanReadings.CLEAN))
        .satisfies(
            it -> {
              List<SignalSeries> all = new ArrayList<>();
              it.forEach(all::add);
              assertEquals(1, all.size());
              SignalSeries s = all.get(0);
              // 81 in: 20 exact duplicates dropped, 2 conflicting readings at t=30 rejected
              assertEquals(59, s.size());
              for (int i = 1; i < s.size(); i++) {
                assertEquals(true, s.time(i) > s.time(i - 1));
              }
              int spikes = 0;
              for (int i = 0; i < s.size(); i++) {
                if (s.spike(i)) {
                  spikes++;
                  assertEquals(50 * 10_000_000L, s.time(i));
                }
              }
              assertEquals(1, spikes);
              return null;
            });
    PAssert.that(out.get(CleanReadings.FAILURES))
        .satisfies(
            it -> {
              List<Failure> f = new ArrayList<>();
              it.forEach(f::add);
              assertEquals(2, f.size());
              for (Failure x : f) {
                assertEquals("conflicting_duplicate", x.reason());
              }
              return null;
            });
    p.run();
  }

  @Test
  public void spikesCanBeDroppedAsRejects() {
    PCollectionTuple out =
        p.apply(Create.of(input()).withCoder(SignalSeriesCoder.of()))
            .apply(CleanReadings.of(SpikeDetector.defaults(), true));
    PAssert.that(out.get(CleanReadings.FAILURES))
        .satisfies(
            it -> {
              long spikes = 0;
              for (Failure f : it) {
                if (f.reason().equals("spike")) {
                  spikes++;
                  assertEquals("a.csv", f.source());
                  assertEquals(51L, (long) f.line());
                }
              }
              assertEquals(1, spikes);
              return null;
            });
    p.run();
  }

  @Test
  public void smoothMotionAndStepsAreNotSpikes() {
    double[] step = new double[100];
    for (int i = 0; i < 100; i++) {
      step[i] = i < 50 ? 0 : 500; // a real jump: many readings move together
    }
    boolean[] flags = SpikeDetector.defaults().flag(step);
    for (boolean b : flags) {
      assertEquals(false, b);
    }
    double[] ramp = new double[100];
    for (int i = 0; i < 100; i++) {
      ramp[i] = 3.7 * i * i;
    }
    for (boolean b : SpikeDetector.defaults().flag(ramp)) {
      assertEquals(false, b);
    }
  }
}
