package dev.strata.pipelines.market;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.testing.Duck;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.Arrays;
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

  @Test
  public void extendingByOneTwiceIsExtendingByTwoOnce() throws Exception {
    Path a = tmp.newFolder("x1").toPath();
    Path b = tmp.newFolder("x2").toPath();
    MarketGenerator.generate(a, 0.002, 5, 0.01, QUIET);
    MarketGenerator.generate(b, 0.002, 5, 0.01, QUIET);
    List<Path> fa = barFiles(a);
    List<Path> fb = barFiles(b);
    assertEquals(16, fa.size());
    List<byte[]> original = new java.util.ArrayList<>();
    FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 86_400_000L);
    for (Path f : fa) {
      original.add(Files.readAllBytes(f));
      Files.setLastModifiedTime(f, old);
    }
    assertEquals(fa.size(), MarketGenerator.extend(a, 1, 5, 0.01, QUIET));
    // the second day through the command line, as bench/market-increment.sh runs it, in a JVM of
    // its own (as a user does: in this one, the market job's options may be registered already,
    // and Beam refuses two defaults of --seed among registered interfaces)
    Path log = Files.createTempFile("extend-", ".log");
    Process child =
        dev.strata.pipelines.testing.ChildJob.start(
            log,
            "generate-market",
            "--output=" + a,
            "--seed=5",
            "--oddityRate=0.01",
            "--extendDays=1");
    assertTrue(child.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(Files.readString(log), 0, child.exitValue());
    assertEquals(2L * fb.size(), MarketGenerator.extend(b, 2, 5, 0.01, QUIET));
    assertEquals(fa.size(), fb.size());
    for (int i = 0; i < fa.size(); i++) {
      Path f = fa.get(i);
      assertEquals(a.relativize(f), b.relativize(fb.get(i)));
      byte[] bytes = Files.readAllBytes(f);
      assertArrayEquals(f.toString(), bytes, Files.readAllBytes(fb.get(i)));
      assertTrue(Files.getLastModifiedTime(f).compareTo(old) > 0);
      // the original bytes, then two whole lines
      byte[] before = original.get(i);
      assertArrayEquals(f.toString(), before, Arrays.copyOf(bytes, before.length));
      String added = new String(bytes, before.length, bytes.length - before.length, US_ASCII);
      assertTrue(f + " ends with a newline", added.endsWith("\n"));
      String[] lines = added.split("\n", -1);
      assertEquals(f.toString(), 3, lines.length); // two lines and the empty rest
      LocalDate previous = lastDate(before);
      int columns = MarketGenerator.HEADER.split(",").length;
      assertEquals(7, columns);
      for (String line : Arrays.copyOf(lines, 2)) {
        String[] v = line.split(",", -1);
        assertEquals(line, columns, v.length);
        LocalDate day = LocalDate.parse(v[0]);
        assertTrue(line + " after " + previous, day.isAfter(previous));
        assertFalse(line, day.getDayOfWeek() == DayOfWeek.SATURDAY);
        assertFalse(line, day.getDayOfWeek() == DayOfWeek.SUNDAY);
        double open = Double.parseDouble(v[1]);
        double high = Double.parseDouble(v[2]);
        double low = Double.parseDouble(v[3]);
        double close = Double.parseDouble(v[4]);
        assertTrue(line, low > 0 && low <= Math.min(open, close) && high >= Math.max(open, close));
        assertEquals(line, close, Double.parseDouble(v[5]), 0);
        assertTrue(line, v[6].matches("[0-9]+"));
        previous = day;
      }
    }
    // the first appended day is the weekday after the generated data's last, 2020-04-01
    assertTrue(Files.readString(fa.get(0), US_ASCII).contains("\n2020-04-02,"));
    // another seed, other rows
    Path c = tmp.newFolder("x3").toPath();
    MarketGenerator.generate(c, 0.002, 5, 0.01, QUIET);
    MarketGenerator.extend(c, 2, 6, 0.01, QUIET);
    assertFalse(
        Arrays.equals(Files.readAllBytes(fa.get(0)), Files.readAllBytes(barFiles(c).get(0))));
  }

  @Test
  public void extendingAFolderWithoutADatasetSaysWhatToDo() throws Exception {
    Path empty = tmp.newFolder("empty").toPath();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> MarketGenerator.extend(empty, 1, 5, 0.01, QUIET));
    assertTrue(e.getMessage(), e.getMessage().contains("generate-market --output=" + empty));
    assertFalse(e.getMessage(), e.getMessage().contains("\n"));
    assertThrows(
        IllegalArgumentException.class,
        () -> MarketGenerator.extend(empty.resolve("missing"), 1, 5, 0.01, QUIET));
  }

  @Test
  public void extendingContinuesFromTheLastCompleteRowAndSkipsTheWeekend() throws Exception {
    Path dir = tmp.newFolder("hand").toPath();
    Files.createDirectories(dir.resolve("stocks"));
    Path f = dir.resolve("stocks/ABC.csv");
    // a Friday that was an empty row, after a day with a float volume
    String text =
        MarketGenerator.HEADER + "\n2020-04-02,10.0,10.5,9.5,10.25,10.0,1000.0\n2020-04-03,,,,,,\n";
    Files.writeString(f, text, US_ASCII);
    MarketGenerator.extend(dir, 1, 5, 0.0, QUIET);
    String added = Files.readString(f, US_ASCII).substring(text.length());
    String[] v = added.strip().split(",", -1);
    assertEquals("2020-04-06", v[0]); // the Monday
    double close = Double.parseDouble(v[4]);
    assertTrue(added, close > 10.25 * 0.8 && close < 10.25 * 1.25);
    long volume = Long.parseLong(v[6]);
    assertTrue(added, volume > 0 && volume < 1000 * 20);
    // a last line without its newline is a file still being written: refused, untouched
    Path g = dir.resolve("stocks/DEF.csv");
    Files.writeString(g, MarketGenerator.HEADER + "\n2020-04-02,1.0,1.0,1.0,1.0,1.0,5", US_ASCII);
    byte[] before = Files.readAllBytes(g);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> MarketGenerator.extend(dir, 1, 5, 0.0, QUIET));
    assertTrue(e.getMessage(), e.getMessage().contains("DEF.csv"));
    assertArrayEquals(before, Files.readAllBytes(g));
  }

  private static List<Path> barFiles(Path dir) throws Exception {
    return files(dir).stream()
        .filter(p -> p.toString().endsWith(".csv"))
        .filter(p -> !p.getFileName().toString().equals("symbols_valid_meta.csv"))
        .toList();
  }

  private static LocalDate lastDate(byte[] file) {
    String text = new String(file, US_ASCII);
    int end = text.length() - 1; // the final newline
    int start = text.lastIndexOf('\n', end - 1) + 1;
    return LocalDate.parse(text.substring(start, text.indexOf(',', start)));
  }
}
