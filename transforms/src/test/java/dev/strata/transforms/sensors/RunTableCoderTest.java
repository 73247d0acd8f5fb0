package dev.strata.transforms.sensors;

import org.apache.beam.sdk.testing.CoderProperties;
import org.junit.Test;

/** {@link RunTableCoder}: round trip (with absent columns and missing signals), deterministic. */
public class RunTableCoderTest {
  @Test
  public void roundTripsAndIsDeterministic() throws Exception {
    RunTableCoder coder = RunTableCoder.of();
    RunTable r1 = RunFixtures.table("r1", RunFixtures.r1());
    RunTable r2 = RunFixtures.table("r2", RunFixtures.r2());
    RunTable none = RunFixtures.table("r0", java.util.Map.of());
    for (RunTable t : new RunTable[] {r1, r2, none}) {
      CoderProperties.coderDecodeEncodeEqual(coder, t);
    }
    CoderProperties.coderDeterministic(coder, r2, RunFixtures.table("r2", RunFixtures.r2()));
    CoderProperties.coderSerializable(coder);
  }
}
