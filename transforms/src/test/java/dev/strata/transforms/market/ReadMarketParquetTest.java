package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/**
 * {@link ReadMarketParquet} reads back what {@link MarketParquet.Sink} wrote: one series per symbol
 * run in a file, the file as source; a file that is not Parquet fails the pipeline.
 */
public class ReadMarketParquetTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static BarSeries agm(String source) {
    return BarSeries.builder("AGM$A", "Federal Agricultural Mortgage", source)
        .add(LocalDate.of(2020, 1, 2), 1f, 2f, 0.5f, 1.5f, 1.25f, 100)
        .add(LocalDate.of(2020, 1, 3), 2f, 3f, 1.5f, 2.5f, 2.25f, 0)
        .build();
  }

  static BarSeries zzz(String source) {
    return BarSeries.builder("ZZZ", null, source)
        .add(LocalDate.of(2021, 1, 27), 1f, 1f, 1f, 1f, 1f, Long.MAX_VALUE)
        .build();
  }

  static void write(Path file, BarSeries... series) throws Exception {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      MarketParquet.Sink sink = MarketParquet.Sink.raw();
      sink.open(ch);
      for (BarSeries s : series) {
        sink.write(s);
      }
      sink.flush();
    }
  }

  private PCollection<BarSeries> read(String glob) {
    return p.apply(
            FileIO.match().filepattern(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply(FileIO.readMatches())
        .apply(ReadMarketParquet.create());
  }

  @Test
  @Category(NeedsRunner.class)
  public void readsOneSeriesPerSymbolWithTheFileAsSource() throws Exception {
    Path one = tmp.getRoot().toPath().resolve("part-0.parquet");
    Path two = tmp.getRoot().toPath().resolve("part-1.parquet");
    write(one, agm("written"), zzz("written"));
    write(two, zzz("written"));
    PAssert.that(read(tmp.getRoot() + "/*.parquet"))
        .containsInAnyOrder(agm(one.toString()), zzz(one.toString()), zzz(two.toString()));
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(2, MarketTesting.counter(r, ReadMarketParquet.class, ReadMarketParquet.FILES));
    assertEquals(
        2 + 1 + 1, MarketTesting.counter(r, ReadMarketParquet.class, ReadMarketParquet.ROWS));
  }

  @Test
  @Category(NeedsRunner.class)
  public void noFilesNoSeries() {
    PAssert.that(read(tmp.getRoot() + "/nothing/*.parquet")).empty();
    p.run().waitUntilFinish();
  }

  @Test
  @Category(NeedsRunner.class)
  public void aFileThatIsNotParquetFailsThePipeline() throws Exception {
    Files.writeString(tmp.getRoot().toPath().resolve("bad.parquet"), "Date,Open\n");
    read(tmp.getRoot() + "/*.parquet");
    assertThrows(Pipeline.PipelineExecutionException.class, () -> p.run().waitUntilFinish());
  }
}
