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

  @Test
  @Category(NeedsRunner.class)
  public void aSymbolInTwoFoldersKeepsTheFirstFileInPathOrderAndRejectsAtFileAndLine()
      throws IOException {
    // DUP is in etfs/ and stocks/ with other values for 2020-01-03 and 2020-01-06: etfs/ sorts
    // first and wins; stocks/' rows for those dates are rejected at their own file and line
    Path in = tmp.newFolder("in").toPath();
    java.nio.file.Files.createDirectories(in.resolve("etfs"));
    java.nio.file.Files.createDirectories(in.resolve("stocks"));
    String header = "Date,Open,High,Low,Close,Adj Close,Volume\n";
    String etf =
        java.nio.file.Files.writeString(
                in.resolve("etfs/DUP.csv"),
                header
                    + "2020-01-02,1,1,1,1,1,10\n2020-01-03,1,1,1,1,1,11\n2020-01-06,1,1,1,1,1,12\n")
            .toString();
    String stock =
        java.nio.file.Files.writeString(
                in.resolve("stocks/DUP.csv"),
                header
                    + "2020-01-06,2,2,2,2,2,22\n2020-01-03,2,2,2,2,2,21\n2020-01-07,2,2,2,2,2,23\n")
            .toString();
    PCollectionTuple out = parse(in + "/*/*.csv");
    PAssert.that(out.get(ParseBarFiles.BARS))
        .containsInAnyOrder(
            BarSeries.builder("DUP", null, etf)
                .add(LocalDate.of(2020, 1, 2), 1f, 1f, 1f, 1f, 1f, 10)
                .add(LocalDate.of(2020, 1, 3), 1f, 1f, 1f, 1f, 1f, 11)
                .add(LocalDate.of(2020, 1, 6), 1f, 1f, 1f, 1f, 1f, 12)
                .build(),
            BarSeries.builder("DUP", null, stock)
                .add(LocalDate.of(2020, 1, 7), 2f, 2f, 2f, 2f, 2f, 23)
                .build());
    PAssert.that(out.get(ParseBarFiles.FAILURES))
        .satisfies(
            failures -> {
              List<String> got = new ArrayList<>();
              for (Failure f : failures) {
                assertEquals(stock, f.source());
                got.add(f.line() + ":" + f.reason() + ":" + f.payload() + ":" + f.message());
              }
              got.sort(null);
              assertEquals(
                  List.of(
                      "2:duplicate_date:2020-01-06,2,2,2,2,2,22:date 2020-01-06 already kept from "
                          + etf
                          + " line 4 (a symbol's files are read in path order; the first has"
                          + " precedence)",
                      "3:duplicate_date:2020-01-03,2,2,2,2,2,21:date 2020-01-03 already kept from "
                          + etf
                          + " line 3 (a symbol's files are read in path order; the first has"
                          + " precedence)"),
                  got);
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(6, MarketTesting.counter(r, ParseBarFiles.class, "rowsRead"));
    assertEquals(4, MarketTesting.counter(r, ParseBarFiles.class, "rowsKept"));
    assertEquals(2, MarketTesting.counter(r, ParseBarFiles.class, "rejected_duplicate_date"));
  }

  @Test
  @Category(NeedsRunner.class)
  public void emptyFilesBadHeadersAndNegativePricesAreCounted() throws IOException {
    Path in = tmp.newFolder("odd").toPath();
    java.nio.file.Files.write(in.resolve("ZERO.csv"), new byte[0]);
    java.nio.file.Files.writeString(in.resolve("BLANK.csv"), "\n\n");
    java.nio.file.Files.writeString(in.resolve("GARBAGE.csv"), "\u0000\u0001garbage;;\n");
    java.nio.file.Files.writeString(
        in.resolve("HEADONLY.csv"), "Date,Open,High,Low,Close,Adj Close,Volume\n");
    java.nio.file.Files.writeString(
        in.resolve("NEG.csv"),
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
            + "2020-01-02,-1,2,1,1,1,10\n2020-01-03,1,2,1,1,-0.5,10\n2020-01-06,1,2,1,1,1,10\n");
    PCollectionTuple out = parse(in + "/*.csv");
    PAssert.that(out.get(ParseBarFiles.FAILURES)).empty();
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(5, MarketTesting.counter(r, ParseBarFiles.class, ParseBarFiles.FILES));
    assertEquals(4, MarketTesting.counter(r, ParseBarFiles.class, ParseBarFiles.EMPTY_FILES));
    assertEquals(1, MarketTesting.counter(r, ParseBarFiles.class, ParseBarFiles.BAD_HEADER_FILES));
    assertEquals(2, MarketTesting.counter(r, ParseBarFiles.class, ParseBarFiles.NEGATIVE_PRICE));
    assertEquals(3, MarketTesting.counter(r, ParseBarFiles.class, ParseBarFiles.ROWS_KEPT));
  }
}
