package dev.strata.transforms.sensors;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;

/**
 * {@link AlignRuns} on the hand-worked {@link RunFixtures}, with r1's x_1 arriving in two pieces
 * from two files, out of order.
 */
public class AlignRunsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  /** Every input series, r1's x_1 cut into a piece of "b" (last reading) and one of "a". */
  static List<SignalSeries> pieces() {
    List<SignalSeries> in = new ArrayList<>();
    RunFixtures.r1()
        .forEach(
            (signal, s) -> {
              if (signal != Signal.X_1) {
                in.add(s);
              }
            });
    in.add(
        SignalSeries.of(
            "r1",
            Signal.X_1,
            new long[] {RunFixtures.T0 + 20 * RunFixtures.MS},
            new double[] {6},
            "b.csv"));
    in.add(
        SignalSeries.of("r1", Signal.X_1, RunFixtures.times(0, 10), new double[] {0, 3}, "a.csv"));
    in.addAll(RunFixtures.r2().values());
    return in;
  }

  static Map<String, RunTable> byRun(Iterable<RunTable> tables) {
    Map<String, RunTable> m = new TreeMap<>();
    for (RunTable t : tables) {
      assertEquals("one table per run", null, m.put(t.runUuid(), t));
    }
    return m;
  }

  @Test
  @Category(NeedsRunner.class)
  public void alignsEachRunOnItsGrid() {
    PCollection<RunTable> out =
        p.apply(Create.of(pieces()))
            .apply(AlignRuns.with(AlignSpec.defaults()))
            .get(AlignRuns.TABLES);
    // the pieces merged give the same tables as the whole signals
    PAssert.that(out)
        .containsInAnyOrder(
            RunFixtures.table("r1", RunFixtures.r1()), RunFixtures.table("r2", RunFixtures.r2()));
    PAssert.that(out)
        .satisfies(
            tables -> {
              Map<String, RunTable> m = byRun(tables);
              RunTable r1 = m.get("r1");
              assertEquals(3, r1.size());
              assertArrayEquals(new double[] {0, 3, 6}, r1.column("x_1"), 0.0);
              assertArrayEquals(new double[] {5, 5, 5}, r1.column("f1"), 1e-12);
              assertEquals(0, r1.pointsDropped());
              assertEquals(
                  Set.of(Signal.FX_2, Signal.FY_2, Signal.FZ_2, Signal.X_2, Signal.Y_2, Signal.Z_2),
                  r1.missing());
              RunTable r2 = m.get("r2");
              long[] times = new long[r2.size()];
              for (int i = 0; i < times.length; i++) {
                times[i] = r2.time(i);
              }
              assertArrayEquals(RunFixtures.times(0, 10, 20, 30, 200), times);
              assertArrayEquals(new double[] {0, 1, 2, 3, 20}, r2.column("x_2"), 0.0);
              assertEquals(16, r2.pointsDropped());
              assertEquals(1, r2.spikes());
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(2, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.RUNS));
    assertEquals(3 + 5, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.GRID_POINTS));
    assertEquals(16, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.GRID_POINTS_DROPPED));
    assertEquals(2, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.RUNS_MISSING_SIGNALS));
  }

  @Test
  @Category(NeedsRunner.class)
  public void theGapLimitDecidesWhatIsBridged() {
    // a fixed 200 ms limit bridges r2's 30 -> 200 ms gap: all 21 grid points are kept
    AlignSpec wide = new AlignSpec(10 * RunFixtures.MS, 200 * RunFixtures.MS);
    PCollection<RunTable> out =
        p.apply(Create.of(new ArrayList<>(RunFixtures.r2().values())))
            .apply(AlignRuns.with(wide))
            .get(AlignRuns.TABLES);
    PAssert.that(out).containsInAnyOrder(RunTable.align("r2", RunFixtures.r2(), wide));
    PAssert.thatSingleton(out)
        .satisfies(
            t -> {
              assertEquals(21, t.size());
              assertEquals(0, t.pointsDropped());
              assertEquals(13.0, t.column("x_2")[13], 1e-9); // 3 + 17 * (130 - 30) / 170
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(21, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.GRID_POINTS));
    assertEquals(0, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.GRID_POINTS_DROPPED));
  }

  @Test
  @Category(NeedsRunner.class)
  public void noReadingsNoRuns() {
    PCollection<RunTable> out =
        p.apply(Create.empty(SignalSeriesCoder.of()))
            .apply(AlignRuns.with(AlignSpec.defaults()))
            .get(AlignRuns.TABLES);
    PAssert.that(out).empty();
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(0, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.RUNS));
  }

  /**
   * A run whose readings span a hostile time (two readings 8 hours apart: 2.9 M grid points at 10
   * ms) was aligned in memory whatever its length; now its readings are rejected, each with its
   * file and line, and the other runs are aligned.
   */
  @Test
  @Category(NeedsRunner.class)
  public void aRunLongerThanTheGridBoundIsRejectedReadingByReading() {
    long eightHours = 8L * 3600 * 1_000_000_000L;
    List<SignalSeries> in = new ArrayList<>(RunFixtures.r2().values());
    in.add(
        SignalSeries.of(
            "long",
            Signal.X_1,
            new long[] {RunFixtures.T0, RunFixtures.T0 + eightHours},
            new double[] {1, 2},
            "long.csv"));
    PCollectionTuple out = p.apply(Create.of(in)).apply(AlignRuns.with(AlignSpec.defaults()));
    PAssert.that(out.get(AlignRuns.TABLES))
        .containsInAnyOrder(RunFixtures.table("r2", RunFixtures.r2()));
    PAssert.that(out.get(AlignRuns.FAILURES))
        .satisfies(
            failures -> {
              List<String> got = new ArrayList<>();
              for (dev.strata.transforms.common.Failure f : failures) {
                got.add(f.source() + ":" + f.line() + " " + f.reason());
                org.junit.Assert.assertTrue(
                    f.message(), f.message().contains("more than 2,000,000 per run"));
              }
              java.util.Collections.sort(got);
              assertEquals(List.of("long.csv:1 run_too_long", "long.csv:2 run_too_long"), got);
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(1, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.RUNS));
    assertEquals(2, SensorsTesting.counter(r, AlignRuns.class, AlignRuns.READINGS_REJECTED));
  }
}
