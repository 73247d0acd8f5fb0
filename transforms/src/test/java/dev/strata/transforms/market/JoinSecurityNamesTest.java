package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;

import java.time.LocalDate;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;

/** {@link JoinSecurityNames} on the DirectRunner, with exact expected outputs. */
public class JoinSecurityNamesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  @Test
  @Category(NeedsRunner.class)
  public void joinSecurityNamesMapsFileNamesAndKeepsUnknownFiles() {
    PCollection<SymbolMetadata> meta =
        p.apply(
            "Meta",
            Create.of(
                new SymbolMetadata("AGM-A", "AGM$A", "Federal Agricultural Mortgage"),
                new SymbolMetadata("AAPL", "AAPL", "Apple Inc.")));
    BarSeries agm =
        BarSeries.builder("AGM-A", null, "s1")
            .add(LocalDate.of(2020, 1, 2), 1, 1, 1, 1, 1, 1)
            .build();
    BarSeries zzz =
        BarSeries.builder("ZZZ", null, "s2")
            .add(LocalDate.of(2020, 1, 2), 2, 2, 2, 2, 2, 2)
            .build();
    PCollection<BarSeries> out =
        p.apply("Series", Create.of(agm, zzz)).apply(JoinSecurityNames.from(meta));
    PAssert.that(out)
        .containsInAnyOrder(agm.withIdentity("AGM$A", "Federal Agricultural Mortgage"), zzz);
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(1, MarketTesting.counter(r, JoinSecurityNames.class, "unmatchedFiles"));
  }
}
