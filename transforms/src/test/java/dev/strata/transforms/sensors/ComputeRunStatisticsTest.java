package dev.strata.transforms.sensors;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;

/** {@link ComputeRunStatistics} on the DirectRunner against the hand-worked {@link RunFixtures}. */
public class ComputeRunStatisticsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  /** Doubles from the grid arithmetic (h = 0.01 s) are held to this relative tolerance. */
  static final double TOLERANCE = 1e-9;

  static void assertClose(String what, double expected, double actual) {
    if (Double.isNaN(expected)) {
      assertEquals(what, expected, actual, 0.0);
    } else {
      assertEquals(what, expected, actual, TOLERANCE * Math.max(1, Math.abs(expected)));
    }
  }

  static void assertClose(String what, double[] expected, double[] actual) {
    assertEquals(what, expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertClose(what + "[" + i + "]", expected[i], actual[i]);
    }
  }

  /** Every field: counts, times and strings exactly, doubles within {@link #TOLERANCE}. */
  static void assertStatistics(RunStatistics expected, RunStatistics actual) {
    String run = expected.runUuid;
    assertEquals(expected.runUuid, actual.runUuid);
    assertEquals(run, expected.startNanos, actual.startNanos);
    assertEquals(run, expected.stopNanos, actual.stopNanos);
    assertClose(run + " runtime", expected.runtimeSeconds, actual.runtimeSeconds);
    assertClose(run + " distance", expected.distanceMm, actual.distanceMm);
    assertClose(run + " total", expected.totalDistanceMm, actual.totalDistanceMm);
    assertArrayEquals(run, expected.samples, actual.samples);
    assertEquals(run, expected.missingSignals, actual.missingSignals);
    assertClose(run + " max force", expected.maxForce, actual.maxForce);
    assertClose(run + " mean speed", expected.meanSpeed, actual.meanSpeed);
    assertClose(run + " max speed", expected.maxSpeed, actual.maxSpeed);
    assertEquals(run, expected.gridPoints, actual.gridPoints);
    assertEquals(run, expected.gridPointsDropped, actual.gridPointsDropped);
    assertEquals(run, expected.spikes, actual.spikes);
  }

  @Test
  public void statisticsOfHandWorkedRuns() {
    assertStatistics(
        RunFixtures.r1Statistics(), RunStatistics.of(RunFixtures.table("r1", RunFixtures.r1())));
    assertStatistics(
        RunFixtures.r2Statistics(), RunStatistics.of(RunFixtures.table("r2", RunFixtures.r2())));
  }

  @Test
  @Category(NeedsRunner.class)
  public void oneRowPerRun() {
    PCollection<RunStatistics> out =
        p.apply(
                Create.of(
                    RunFixtures.table("r1", RunFixtures.r1()),
                    RunFixtures.table("r2", RunFixtures.r2())))
            .apply(ComputeRunStatistics.create());
    PAssert.that(out)
        .satisfies(
            rows -> {
              Map<String, RunStatistics> byRun = new TreeMap<>();
              for (RunStatistics s : rows) {
                assertEquals("one row per run", null, byRun.put(s.runUuid, s));
              }
              assertEquals(java.util.Set.of("r1", "r2"), byRun.keySet());
              assertStatistics(RunFixtures.r1Statistics(), byRun.get("r1"));
              assertStatistics(RunFixtures.r2Statistics(), byRun.get("r2"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  @Category(NeedsRunner.class)
  public void noRunsNoStatistics() {
    PCollection<RunStatistics> out =
        p.apply(Create.empty(RunTableCoder.of())).apply(ComputeRunStatistics.create());
    PAssert.that(out).empty();
    p.run().waitUntilFinish();
  }
}
