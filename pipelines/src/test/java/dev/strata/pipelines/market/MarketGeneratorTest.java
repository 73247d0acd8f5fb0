package dev.strata.pipelines.market;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.testing.Duck;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The synthetic dataset: deterministic, in the Kaggle layout, with oddities the job accounts for.
 */
public class MarketGeneratorTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static List<Path> files(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  public void sameSeedSameBytesAndTheRealLayout() throws Exception {
    Path a = tmp.newFolder("a").toPath();
    Path b = tmp.newFolder("b").toPath();
    long rowsA = MarketGenerator.generate(a, 0.005, 7, 0.01, QUIET);
    long rowsB = MarketGenerator.generate(b, 0.005, 7, 0.01, QUIET);
    assertEquals(rowsA, rowsB);
    List<Path> fa = files(a);
    List<Path> fb = files(b);
    assertEquals(fa.size(), fb.size());
    for (int i = 0; i < fa.size(); i++) {
      assertEquals(a.relativize(fa.get(i)), b.relativize(fb.get(i)));
      assertArrayEquals(Files.readAllBytes(fa.get(i)), Files.readAllBytes(fb.get(i)));
    }
    // 0.5 % of 8,049 symbols, ETFs and stocks in the real proportion (2,165 : 5,884)
    long etfs =
        fa.stream().filter(p -> p.getParent().getFileName().toString().equals("etfs")).count();
    long stocks =
        fa.stream().filter(p -> p.getParent().getFileName().toString().equals("stocks")).count();
    assertEquals(40, etfs + stocks);
    assertTrue(etfs >= 8 && etfs <= 14);
    assertTrue(Files.exists(a.resolve("symbols_valid_meta.csv")));
    assertEquals("Date,Open,High,Low,Close,Adj Close,Volume", Files.readAllLines(fa.get(1)).get(0));
    Path c = tmp.newFolder("c").toPath();
    MarketGenerator.generate(c, 0.005, 8, 0.01, QUIET);
    assertTrue(
        !java.util.Arrays.equals(
            Files.readAllBytes(files(c).get(1)), Files.readAllBytes(fa.get(1))));
  }

  @Test
  public void theMarketJobAccountsForEveryGeneratedRow() throws Exception {
    Path in = tmp.newFolder("gen").toPath();
    long rows = MarketGenerator.generate(in, 0.003, 11, 0.01, QUIET);
    Map<String, StageRunner.Outcome> run =
        MarketJobTest.runMarket(in, tmp.newFolder("out").toPath());
    JsonNode ingest = run.get("ingest").manifest;
    assertEquals(rows, ingest.at("/rows/in").asLong());
    assertEquals(rows, ingest.at("/rows/out").asLong() + ingest.at("/rows/rejected").asLong());
    // each injected oddity is there and counted exactly as DuckDB counts it in the CSV text
    String csv = "read_csv('" + in + "/*/*.csv', all_varchar = true, header = true)";
    String prices = "concat_ws(',', Open, High, Low, Close, \"Adj Close\", Volume)";
    String[][] oracle = {
      {
        "/rows/rejected_by_reason/empty_value",
        "Open = '' OR High = '' OR Low = '' OR Close = ''"
            + " OR \"Adj Close\" = '' OR Volume = '' OR Open IS NULL OR Volume IS NULL"
      },
      {"/counters/floatVolume", "contains(Volume, '.')"},
      {"/counters/highBelowLow", "TRY_CAST(High AS DOUBLE) < TRY_CAST(Low AS DOUBLE)"},
      {"/counters/scientificNotation", "regexp_matches(" + prices + ", '[eE]')"},
      {"/counters/zeroVolume", "TRY_CAST(Volume AS DOUBLE) = 0"}
    };
    try (Duck duck = Duck.open()) {
      for (String[] o : oracle) {
        long expected = duck.scalar("SELECT count(*) FROM " + csv + " WHERE " + o[1]);
        assertTrue(o[0] + " injected", expected > 0);
        assertEquals(o[0], expected, ingest.at(o[0]).asLong());
      }
    }
    assertEquals(
        ingest.at("/rows/out").asLong(), run.get("features").manifest.at("/rows/out").asLong());
  }
}
