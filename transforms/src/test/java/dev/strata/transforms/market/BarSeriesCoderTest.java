package dev.strata.transforms.market;

import static dev.strata.transforms.market.MarketTesting.piece;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.junit.Test;

/** {@link BarSeriesCoder}: round trip with and without features, empty, deterministic. */
public class BarSeriesCoderTest {
  @Test
  public void barSeriesCoderRoundTrips() throws Exception {
    Coder<BarSeries> coder = BarSeriesCoder.of();
    BarSeries raw = piece("x", 1, 50, 7);
    CoderProperties.coderDecodeEncodeEqual(coder, raw);
    CoderProperties.coderDecodeEncodeEqual(
        coder, RollingFeatures.compute(raw, WindowSpec.rows(30)));
    CoderProperties.coderDecodeEncodeEqual(coder, BarSeries.builder("E", null, "y").build());
    CoderProperties.coderDeterministic(coder, raw, piece("x", 1, 50, 7));
  }
}
