package dev.strata.pipelines.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.Json;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.testing.Duck;
import dev.strata.pipelines.testing.JobRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Hostile and broken market input: a symbol in both folders, odd files, bad metadata. Each is
 * either a deterministic, documented result or a clear error before any stage runs.
 */
public class MarketInputTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n";

  /** The real metadata and AI.csv, plus {@code extra} files (path relative to the input). */
  private Path input(String name, Map<String, String> extra) throws Exception {
    Path in = tmp.newFolder(name).toPath();
    Files.createDirectories(in.resolve("etfs"));
    Files.createDirectories(in.resolve("stocks"));
    Files.copy(
        MarketJobTest.SAMPLE.resolve("symbols_valid_meta.csv"),
        in.resolve("symbols_valid_meta.csv"));
    Files.copy(MarketJobTest.SAMPLE.resolve("stocks/AI.csv"), in.resolve("stocks/AI.csv"));
    for (Map.Entry<String, String> e : extra.entrySet()) {
      Files.writeString(in.resolve(e.getKey()), e.getValue());
    }
    return in;
  }

  /** {@code days} rows from 2020-01-01 + {@code first}, every value {@code base + i}. */
  private static String bars(int first, int days, int base) {
    StringBuilder s = new StringBuilder(HEADER);
    for (int i = first; i < first + days; i++) {
      int v = base + i;
      s.append(LocalDate.of(2020, 1, 1).plusDays(i))
          .append(String.format(",%d,%d,%d,%d,%d,%d%n", v, v, v, v, v, 1000 * v));
    }
    return s.toString();
  }

  private static List<JsonNode> rejects(Path out, String stage) throws Exception {
    List<JsonNode> all = new ArrayList<>();
    Path dir = out.resolve("_rejected").resolve(stage);
    if (!Files.isDirectory(dir)) {
      return all;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            all.add(Json.MAPPER.readTree(line));
          }
        }
      }
    }
    return all;
  }

  @Test
  public void aSymbolInBothFoldersKeepsTheEtfsRowsOnEveryRunAndRunner() throws Exception {
    // DUP: etfs/ has days 0..39 (values 100+i), stocks/ days 20..59 (values 500+i); the 20
    // shared days must come from etfs/ (first in path order), every run, on both runners, and
    // stocks/' rows for them are rejected at stocks/DUP.csv, lines 2..21
    Path in =
        input("dup", Map.of("etfs/DUP.csv", bars(0, 40, 100), "stocks/DUP.csv", bars(20, 40, 500)));
    Path stock = in.resolve("stocks/DUP.csv");
    List<String> runs = List.of("direct", "flink-1", "flink-2");
    try (Duck duck = Duck.open()) {
      for (String run : runs) {
        Path out = tmp.getRoot().toPath().resolve("out-" + run);
        JobRun.ok(
            "market",
            "--input=" + in,
            "--output=" + out,
            "--stages=ingest,features",
            run.equals("direct") ? JobRun.DIRECT : JobRun.FLINK);
        String features = "read_parquet('" + out + "/features/*.parquet')";
        assertEquals(
            run, 60, duck.scalar("SELECT count(*) FROM " + features + " WHERE Symbol = 'DUP'"));
        // every row of days 0..39 is etfs/' (Volume 1000·(100+i)), days 40..59 stocks/'
        assertEquals(
            run,
            60,
            duck.scalar(
                "SELECT count(*) FROM "
                    + features
                    + " WHERE Symbol = 'DUP' AND Volume = 1000 * (CASE WHEN CAST(Date AS DATE) < DATE"
                    + " '2020-02-10' THEN 100 ELSE 500 END + (CAST(Date AS DATE) - DATE '2020-01-01'))"));
        List<JsonNode> ingest = rejects(out, "ingest");
        assertEquals(run, 20, ingest.size());
        List<Long> lines = new ArrayList<>();
        for (JsonNode j : ingest) {
          assertEquals(run, "duplicate_date", j.get("reason").asText());
          assertEquals(run, stock.toString(), j.get("source").asText());
          assertTrue(
              run, j.get("message").asText().contains(in.resolve("etfs/DUP.csv") + " line "));
          lines.add(j.get("line").asLong());
        }
        lines.sort(null);
        List<Long> expected = new ArrayList<>();
        for (long l = 2; l <= 21; l++) {
          expected.add(l);
        }
        assertEquals(run, expected, lines);
        assertEquals(run, 0, rejects(out, "features").size());
      }
    }
  }

  @Test
  public void oddFilesAndNegativePricesAreCountedAndNamed() throws Exception {
    Path in =
        input(
            "odd",
            Map.of(
                "stocks/ZERO.csv",
                "",
                "stocks/GARBAGE.csv",
                "\u0001\u0002 not a header ;;\n",
                "etfs/HEADONLY.csv",
                HEADER,
                "etfs/NEG.csv",
                HEADER + "2020-01-02,-1,2,1,1,1,10\n2020-01-03,1,2,1,1,1,10\n"));
    Path out = tmp.getRoot().toPath().resolve("out-odd");
    Map<String, StageRunner.Outcome> outcomes =
        MarketJobTest.runMarket(in, out, "--runner=DirectRunner", "--stages=ingest");
    JsonNode m = outcomes.get("ingest").manifest;
    assertEquals(3, m.at("/counters/emptyFiles").asLong());
    assertEquals(1, m.at("/counters/badHeaderFiles").asLong());
    assertEquals(1, m.at("/counters/negativePrice").asLong());
    List<String> empty = new ArrayList<>();
    m.get("empty_files").forEach(n -> empty.add(n.asText()));
    assertEquals(3, empty.size());
    assertTrue(empty.toString(), empty.contains("stocks/ZERO.csv (zero bytes)"));
    assertTrue(empty.toString(), empty.contains("etfs/HEADONLY.csv (a header only)"));
    assertTrue(
        empty.toString(),
        empty.stream().anyMatch(e -> e.startsWith("stocks/GARBAGE.csv (header lacks column")));
  }

  @Test
  public void metadataThatIsEmptyOrLacksNasdaqSymbolIsAClearErrorBeforeAnyStage() throws Exception {
    for (String meta :
        new String[] {"", "Symbol,Security Name\nAI,C3.ai\n", "Symbol,NASDAQ Symbol\n"}) {
      Path in = input("meta" + meta.length(), Map.of());
      Files.writeString(in.resolve("symbols_valid_meta.csv"), meta);
      Path out = tmp.getRoot().toPath().resolve("out-meta" + meta.length());
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> MarketJobTest.runMarket(in, out));
      assertTrue(e.getMessage(), e.getMessage().contains("symbols_valid_meta.csv is not usable"));
      assertFalse(out.toString(), Files.exists(out.resolve("raw")));
    }
  }

  @Test
  public void numericOptionsOutOfRangeAreOneLineNamingTheOptionBeforeAnyStage() throws Exception {
    Path in = input("options", Map.of());
    Map<String, String> expected = new java.util.LinkedHashMap<>();
    expected.put("--epochs=0", "--epochs must be in 1..1000, not 0; see --help");
    expected.put("--patience=0", "--patience must be in 1..1000, not 0; see --help");
    expected.put("--batchSize=0", "--batchSize must be in 1..1048576, not 0; see --help");
    expected.put("--forestTrees=-1", "--forestTrees must be in 0..1000, not -1; see --help");
    expected.put("--sampleRows=1", "--sampleRows must be in 10..10000000, not 1; see --help");
    expected.put(
        "--forestTestRows=-1", "--forestTestRows must be in 0..10000000, not -1; see --help");
    expected.put(
        "--learningRate=-1", "--learningRate must be above 0 and at most 1, not -1.0; see --help");
    expected.put(
        "--hidden=0", "--hidden must be 1 to 8 layer sizes, each in 1..4096, not '0'; see --help");
    expected.put("--downloadRetries=-1", "--downloadRetries must be in 0..100, not -1; see --help");
    expected.put(
        "--window=2000000000",
        "--window must be N (trading rows) or Nd (calendar days) with N in 1..9000, not"
            + " '2000000000'; see --help");
    expected.put(
        "--window=99999999999",
        "--window must be N (trading rows) or Nd (calendar days) with N in 1..9000, not"
            + " '99999999999'; see --help");
    for (Map.Entry<String, String> e : expected.entrySet()) {
      Path out = tmp.getRoot().toPath().resolve("out" + e.getKey().replaceAll("[^a-zA-Z0-9]", "_"));
      IllegalArgumentException thrown =
          assertThrows(
              e.getKey(),
              IllegalArgumentException.class,
              () -> MarketJobTest.runMarket(in, out, e.getKey()));
      assertEquals(e.getKey(), e.getValue(), thrown.getMessage());
      assertFalse(e.getKey(), Files.exists(out)); // refused before any stage
    }
  }
}
