package dev.strata.transforms.sensors;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.util.List;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;

/** {@link SignalSeriesCoder}: round trip of every field, deterministic. */
public class SignalSeriesCoderTest {
  /** Two files' pieces merged: two sources, lines from both, one spike. */
  static SignalSeries merged() {
    SignalSeries a =
        SignalSeries.of("run-7", Signal.Y_2, new long[] {30, 10}, new double[] {1.5, -2}, "a.csv");
    SignalSeries b =
        SignalSeries.of(
            "run-7", Signal.Y_2, new long[] {20}, new double[] {Double.NaN}, "b.parquet");
    return SignalSeries.sortedByTime(List.of(b, a)).withSpikes(new boolean[] {false, true, false});
  }

  static void assertSameReadings(SignalSeries expected, SignalSeries actual) {
    assertEquals(expected, actual);
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.time(i), actual.time(i));
      assertEquals(
          Double.doubleToLongBits(expected.value(i)), Double.doubleToLongBits(actual.value(i)));
      assertEquals(expected.source(i), actual.source(i));
      assertEquals(expected.line(i), actual.line(i));
      assertEquals(expected.spike(i), actual.spike(i));
    }
    assertArrayEquals(expected.sources(), actual.sources());
    assertEquals(expected.spikes() == null, actual.spikes() == null);
  }

  @Test
  public void roundTripsEveryFieldAndIsDeterministic() throws Exception {
    SignalSeriesCoder coder = SignalSeriesCoder.of();
    SignalSeries plain =
        SignalSeries.of("r", Signal.FX_1, new long[] {1, 2, 3}, new double[] {4, 5, 6}, "f.csv");
    SignalSeries empty = SignalSeries.of("r", Signal.Z_1, new long[0], new double[0], "e.csv");
    for (SignalSeries s : List.of(plain, empty, merged())) {
      CoderProperties.coderDecodeEncodeEqual(coder, s);
      assertSameReadings(s, CoderUtils.clone(coder, s));
    }
    CoderProperties.coderDeterministic(coder, merged(), merged());
    CoderProperties.coderSerializable(coder);
  }
}
