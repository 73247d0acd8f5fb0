package dev.strata.transforms.market;

import static dev.strata.transforms.market.MarketTesting.piece;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import dev.strata.transforms.common.Failure;
import java.util.List;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;

/** {@link RollingFeatures} on the DirectRunner, with exact expected outputs. */
public class RollingFeaturesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  @Test
  @Category(NeedsRunner.class)
  public void rollingFeaturesMergesPiecesAndRejectsCrossFileDuplicates() {
    // one symbol in three pieces, out of order; day 1005 appears in two sources
    BarSeries a = piece("a.csv", 1000, 6, 0); // days 1000..1005
    BarSeries b = piece("b.csv", 1005, 5, 100); // days 1005..1009 (1005 duplicate)
    BarSeries c = piece("c.csv", 990, 10, 200); // days 990..999
    PCollectionTuple out = p.apply(Create.of(b, c, a)).apply(RollingFeatures.ofRows(3));
    // pieces are ordered by content (first date), not by source: the merged series carries the
    // earliest piece's source ("c.csv"), and of day 1005 the row of "a.csv" (starting on 1000)
    BarSeries merged = BarSeries.concat(List.of(c, a, b.select(new int[] {1, 2, 3, 4})));
    PAssert.that(out.get(RollingFeatures.FEATURES))
        .containsInAnyOrder(
            RollingFeatures.compute(merged, WindowSpec.rows(3)).withIdentity("S", "S Corp"));
    PAssert.that(out.get(RollingFeatures.FAILURES))
        .satisfies(
            failures -> {
              int n = 0;
              for (Failure f : failures) {
                n++;
                assertEquals("duplicate_date", f.reason());
                assertEquals("b.csv", f.source());
                assertTrue(f.payload(), f.payload().startsWith("1972-10-02,")); // epoch day 1005
              }
              assertEquals(1, n);
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  @Category(NeedsRunner.class)
  public void rollingFeaturesOnEmptyInputIsEmpty() {
    PCollectionTuple out =
        p.apply(Create.empty(BarSeriesCoder.of())).apply(RollingFeatures.ofRows(30));
    PAssert.that(out.get(RollingFeatures.FEATURES)).empty();
    PAssert.that(out.get(RollingFeatures.FAILURES)).empty();
    p.run().waitUntilFinish();
  }

  @Test
  @Category(NeedsRunner.class)
  public void rollingFeaturesWindowSettingHasAnEffect() {
    BarSeries s = piece("a.csv", 1000, 40, 0);
    PCollection<BarSeries> rows30 =
        p.apply("A", Create.of(s))
            .apply("Rows", RollingFeatures.ofRows(30))
            .get(RollingFeatures.FEATURES);
    PCollection<BarSeries> days10 =
        p.apply("B", Create.of(s))
            .apply("Days", RollingFeatures.of(WindowSpec.days(10)))
            .get(RollingFeatures.FEATURES);
    PAssert.thatSingleton(rows30)
        .satisfies(
            out -> {
              assertNull(out.volMovingAvg(28));
              assertEquals((0 + 29) / 2.0, out.volMovingAvg(29), 0.0);
              return null;
            });
    PAssert.thatSingleton(days10)
        .satisfies(
            out -> {
              assertNull(out.volMovingAvg(8));
              assertEquals((0 + 9) / 2.0, out.volMovingAvg(9), 0.0);
              return null;
            });
    p.run().waitUntilFinish();
  }
}
