package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;

import dev.strata.transforms.common.Failure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/** {@link ParseBarFiles} on the DirectRunner, with exact expected outputs. */
public class ParseBarFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private PCollectionTuple parse(String glob) {
    return p.apply(
            FileIO.match().filepattern(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply(FileIO.readMatches())
        .apply(ParseBarFiles.create());
  }

  @Test
  @Category(NeedsRunner.class)
  public void parseBarFilesEmitsSeriesAndEveryBadRow() throws IOException {
    // one good row, then one row per rejection reason (ParseBarFilesTest/stocks/AGM-A.csv)
    Path a = MarketTesting.resource("/ParseBarFilesTest/stocks/AGM-A.csv");
    PCollectionTuple out = parse(a.getParent() + "/*.csv");
    String src = a.toString();
    PAssert.that(out.get(ParseBarFiles.BARS))
        .containsInAnyOrder(
            BarSeries.builder("AGM-A", null, src)
                .add(LocalDate.of(2020, 1, 2), 1f, 2f, 0.5f, 1.5f, 1.25f, 100)
                .build());
    PAssert.that(out.get(ParseBarFiles.FAILURES))
        .satisfies(
            failures -> {
              List<String> got = new ArrayList<>();
              for (Failure f : failures) {
                assertEquals(src, f.source());
                got.add(f.line() + ":" + f.reason());
              }
              got.sort(null);
              assertEquals(
                  List.of(
                      "3:empty_value",
                      "4:unparseable_number",
                      "5:non_integral_volume",
                      "6:negative_volume",
                      "7:unparseable_date",
                      "8:wrong_field_count",
                      "9:duplicate_date"),
                  got);
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(8, MarketTesting.counter(r, ParseBarFiles.class, "rowsRead"));
    assertEquals(1, MarketTesting.counter(r, ParseBarFiles.class, "rowsKept"));
    assertEquals(7, MarketTesting.counter(r, ParseBarFiles.class, "rowsRejected"));
    assertEquals(1, MarketTesting.counter(r, ParseBarFiles.class, "rejected_duplicate_date"));
  }

  @Test
  @Category(NeedsRunner.class)
  public void parseBarFilesOnNoFilesIsEmpty() {
    PCollectionTuple out = parse(tmp.getRoot() + "/nothing/*.csv");
    PAssert.that(out.get(ParseBarFiles.BARS)).empty();
    PAssert.that(out.get(ParseBarFiles.FAILURES)).empty();
    p.run().waitUntilFinish();
  }
}
