package dev.strata.transforms.sensors;

import static org.junit.Assert.assertEquals;

import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

/** {@link RunStatisticsCoder}: round trip, every field kept, deterministic. */
public class RunStatisticsCoderTest {
  @Test
  public void roundTripsAndIsDeterministic() throws Exception {
    RunStatisticsCoder coder = RunStatisticsCoder.of();
    RunStatistics r1 = RunStatistics.of(RunFixtures.table("r1", RunFixtures.r1()));
    RunStatistics r2 = RunStatistics.of(RunFixtures.table("r2", RunFixtures.r2()));
    CoderProperties.coderDecodeEncodeEqual(coder, r1);
    CoderProperties.coderDecodeEncodeEqual(coder, r2);
    CoderProperties.coderDeterministic(
        coder, r2, RunStatistics.of(RunFixtures.table("r2", RunFixtures.r2())));
    CoderProperties.coderSerializable(coder);
    // fields outside equals survive too
    RunStatistics back = CoderUtils.clone(coder, r2);
    ComputeRunStatisticsTest.assertStatistics(r2, back);
    assertEquals(
        Double.doubleToLongBits(r2.runtimeSeconds), Double.doubleToLongBits(back.runtimeSeconds));
    assertEquals(
        Double.doubleToLongBits(r2.totalDistanceMm), Double.doubleToLongBits(back.totalDistanceMm));
  }
}
