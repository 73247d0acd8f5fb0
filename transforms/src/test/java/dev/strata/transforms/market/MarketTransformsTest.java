package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import dev.strata.transforms.common.Failure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/** The market transforms on the DirectRunner, with exact expected outputs. */
public class MarketTransformsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static final String HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n";

  private Path write(String relative, String content) throws IOException {
    Path f = tmp.getRoot().toPath().resolve(relative);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content, StandardCharsets.UTF_8);
    return f;
  }

  private PCollectionTuple parse(String glob) {
    return p.apply(
            FileIO.match().filepattern(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply(FileIO.readMatches())
        .apply(ParseBarFiles.create());
  }

  private static long counter(PipelineResult r, Class<?> ns, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        r.metrics()
            .queryMetrics(
                MetricsFilter.builder().addNameFilter(MetricNameFilter.named(ns, name)).build())
            .getCounters()) {
      sum += c.getCommitted();
    }
    return sum;
  }

  @Test
  @Category(NeedsRunner.class)
  public void parseBarFilesEmitsSeriesAndEveryBadRow() throws IOException {
    Path a =
        write(
            "stocks/AGM-A.csv",
            HEADER
                + "2020-01-02,1,2,0.5,1.5,1.25,100\n"
                + "2020-01-03,,,,,,\n"
                + "2020-01-06,x,2,1,1,1,5\n"
                + "2020-01-07,1,2,1,1,1,5.5\n"
                + "2020-01-08,1,2,1,1,1,-1\n"
                + "2020-02-31,1,2,1,1,1,1\n"
                + "2020-01-09,1,2,1,1,1\n"
                + "2020-01-02,9,9,9,9,9,9\n");
    PCollectionTuple out = parse(tmp.getRoot() + "/stocks/*.csv");
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
    assertEquals(8, counter(r, ParseBarFiles.class, "rowsRead"));
    assertEquals(1, counter(r, ParseBarFiles.class, "rowsKept"));
    assertEquals(7, counter(r, ParseBarFiles.class, "rowsRejected"));
    assertEquals(1, counter(r, ParseBarFiles.class, "rejected_duplicate_date"));
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
    assertEquals(1, counter(r, JoinSecurityNames.class, "unmatchedFiles"));
  }

  private static BarSeries piece(String source, int firstDay, int rows, long volumeBase) {
    BarSeries.Builder b = BarSeries.builder("S", "S Corp", source);
    for (int i = 0; i < rows; i++) {
      b.add(firstDay + i, 1, 1, 1, 1, (float) (i % 7), volumeBase + i);
    }
    return b.build();
  }

  @Test
  @Category(NeedsRunner.class)
  public void rollingFeaturesMergesPiecesAndRejectsCrossFileDuplicates() {
    // one symbol in three pieces, out of order; day 1005 appears in two sources
    BarSeries a = piece("a.csv", 1000, 6, 0); // days 1000..1005
    BarSeries b = piece("b.csv", 1005, 5, 100); // days 1005..1009 (1005 duplicate)
    BarSeries c = piece("c.csv", 990, 10, 200); // days 990..999
    PCollectionTuple out = p.apply(Create.of(b, c, a)).apply(RollingFeatures.ofRows(3));
    // the merged series carries the first source in sort order ("a.csv"): an empty piece sets it
    BarSeries merged =
        BarSeries.concat(
            List.of(
                BarSeries.builder("S", "S Corp", "a.csv").build(),
                c,
                a,
                b.select(new int[] {1, 2, 3, 4})));
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
