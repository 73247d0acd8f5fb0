package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;

import java.io.File;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/**
 * {@link WriteMarketParquet}: every row of every series lands in {@code part-*.parquet} files of
 * the chosen layout, read back with {@link MarketParquet#readSeries}.
 */
public class WriteMarketParquetTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static List<BarSeries> readAll(String dir, boolean features) throws Exception {
    List<BarSeries> out = new ArrayList<>();
    File[] files =
        new File(dir).listFiles((d, n) -> n.startsWith("part") && n.endsWith(".parquet"));
    for (File f : files) {
      try (SeekableByteChannel ch = Files.newByteChannel(f.toPath())) {
        MarketParquet.readSeries(ch, "read", features, out::add);
      }
    }
    out.sort(java.util.Comparator.comparing(BarSeries::symbol));
    return out;
  }

  /** The same rows and features under another source (the reader names the file it read). */
  static BarSeries withSource(BarSeries s, String source) {
    BarSeries.Builder b = BarSeries.builder(s.symbol(), s.securityName(), source);
    for (int i = 0; i < s.size(); i++) {
      b.add(s.epochDay(i), s.open(i), s.high(i), s.low(i), s.close(i), s.adjClose(i), s.volume(i));
    }
    BarSeries out = b.build();
    return s.hasFeatures()
        ? out.withFeatures(s.volMovingAvgColumn(), s.adjCloseRollingMedColumn())
        : out;
  }

  @Test
  @Category(NeedsRunner.class)
  public void rawAndFeatureLayoutsHoldEveryRow() throws Exception {
    BarSeries a = MarketTesting.piece("a.csv", 1000, 40, 0).withIdentity("A", "A Corp");
    BarSeries b = MarketTesting.piece("b.csv", 2000, 3, 10).withIdentity("B", null);
    BarSeries af = RollingFeatures.compute(a, WindowSpec.rows(30));
    BarSeries bf = RollingFeatures.compute(b, WindowSpec.rows(30));
    String raw = tmp.getRoot() + "/raw";
    String features = tmp.getRoot() + "/features";
    p.apply("Raw", Create.of(a, b)).apply("WriteRaw", WriteMarketParquet.raw(raw));
    p.apply("Features", Create.of(af, bf))
        .apply("WriteFeatures", WriteMarketParquet.features(features));
    p.run().waitUntilFinish();
    List<BarSeries> rawBack = readAll(raw, false);
    assertEquals(List.of(withSource(a, "read"), withSource(b, "read")), rawBack);
    List<BarSeries> featuresBack = readAll(features, true);
    assertEquals(List.of(withSource(af, "read"), withSource(bf, "read")), featuresBack);
  }
}
