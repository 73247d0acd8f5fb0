package dev.strata.pipelines.sensors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.testing.Duck;
import dev.strata.pipelines.testing.JobRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The sensors job on the real data: the early sample (four runs, 15,162 rows, CSV with extra
 * columns) and the one exact high-frequency run (Parquet, float64 run id). Statistics are checked
 * against values computed in the test straight from the input files; outputs are read back with
 * DuckDB; embedded Flink must write the same rows as the DirectRunner.
 */
public class SensorsJobTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  static final Path DATA = Path.of("src/test/resources/machina").toAbsolutePath();
  static final Path SAMPLE = DATA.resolve("sample_v0.csv");
  static final Path EXACT = DATA.resolve("run_12405186538561671661_reconstructed.parquet");
  static Path sampleOut;
  static Map<String, StageRunner.Outcome> sampleRun;
  static Duck duck;

  static Map<String, StageRunner.Outcome> runSensors(Object input, Path output, String... extra)
      throws Exception {
    return JobRun.direct(SensorsJob::run, SensorsOptions.class, input, output, extra);
  }

  @BeforeClass
  public static void runSample() throws Exception {
    sampleOut = TMP.newFolder("sample").toPath();
    sampleRun = runSensors(SAMPLE, sampleOut);
    duck = Duck.open();
  }

  @AfterClass
  public static void close() throws Exception {
    if (duck != null) {
      duck.close();
    }
  }

  static List<List<String>> query(String sql) throws Exception {
    return duck.query(sql);
  }

  static long scalar(String sql) throws Exception {
    return duck.scalar(sql);
  }

  static String runs(Path out) {
    return "read_parquet('" + out + "/runs/*/*.parquet', hive_partitioning = true)";
  }

  /** A run's statistics, without when they were computed (differs between any two runs). */
  static String stats(Path out) {
    return "(SELECT * EXCLUDE (recomputed_at) FROM read_parquet('"
        + out
        + "/run_stats/*.parquet'))";
  }

  static String clean(Path out) {
    return "read_parquet('" + out + "/clean/*.parquet')";
  }

  static String sources(Path out) {
    return "read_parquet('" + out + "/run_sources/*.parquet')";
  }

  /**
   * Lineage: run_sources holds each run's readings per input file, as counted straight from the CSV
   * by DuckDB, and run_stats.source_files the number of those files.
   */
  @Test
  public void runSourcesCountEachRunsReadingsPerFileAsTheInputHoldsThem() throws Exception {
    assertEquals(
        query(
            "SELECT CAST(run_uuid AS VARCHAR), count(*) FROM read_csv('"
                + SAMPLE
                + "', all_varchar = true) GROUP BY 1 ORDER BY 1"),
        query(
            "SELECT run_uuid, readings FROM "
                + sources(sampleOut)
                + " WHERE source_file LIKE '%sample_v0.csv' ORDER BY 1"));
    assertEquals(
        query("SELECT run_uuid, count(*) FROM " + sources(sampleOut) + " GROUP BY 1 ORDER BY 1"),
        query("SELECT run_uuid, source_files FROM " + stats(sampleOut) + " ORDER BY 1"));
  }

  @Test
  public void runStatisticsMatchTheInputComputedByHand() throws Exception {
    // Straight from the CSV: per run the first and last time and the readings per signal.
    Map<String, long[]> span = new TreeMap<>();
    Map<String, Map<String, Long>> counts = new HashMap<>();
    List<String> lines = Files.readAllLines(SAMPLE);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      Instant t = Instant.parse(f[1]);
      long ns = t.getEpochSecond() * 1_000_000_000L + t.getNano();
      String run = f[6];
      span.merge(
          run,
          new long[] {ns, ns},
          (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
      counts.computeIfAbsent(run, k -> new HashMap<>()).merge(f[3] + "_" + f[5], 1L, Long::sum);
    }
    assertEquals(4, span.size());
    assertTrue("a run id above Long.MAX_VALUE", span.containsKey("12405186538561671661"));
    for (Map.Entry<String, long[]> e : span.entrySet()) {
      List<String> row =
          query(
                  "SELECT epoch_ns(start_time), epoch_ns(stop_time), runtime_s, samples_fx_1,"
                      + " samples_x_2, samples_z_1, missing_signals FROM "
                      + stats(sampleOut)
                      + " WHERE run_uuid = '"
                      + e.getKey()
                      + "'")
              .get(0);
      assertEquals(e.getKey(), e.getValue()[0], Long.parseLong(row.get(0)));
      assertEquals(e.getKey(), e.getValue()[1], Long.parseLong(row.get(1)));
      assertEquals((e.getValue()[1] - e.getValue()[0]) / 1e9, Double.parseDouble(row.get(2)), 1e-9);
      Map<String, Long> c = counts.get(e.getKey());
      assertEquals(c.getOrDefault("fx_1", 0L), Long.valueOf(row.get(3)));
      assertEquals(c.getOrDefault("x_2", 0L), Long.valueOf(row.get(4)));
      assertEquals(c.getOrDefault("z_1", 0L), Long.valueOf(row.get(5)));
      boolean hasForces = c.containsKey("fx_1");
      assertEquals(hasForces ? "" : "fx_1,fx_2,fy_1,fy_2,fz_1,fz_2", row.get(6));
    }
    JsonNode m = sampleRun.get("clean").manifest;
    assertEquals(15_162, m.at("/rows/in").asLong());
    assertEquals(
        m.at("/rows/in").asLong(),
        m.at("/rows/out").asLong()
            + m.at("/rows/rejected").asLong()
            + m.at("/rows/dropped").asLong());
  }

  @Test
  public void theAlignedTableHasExactlyTheHeaderAndEveryValueTheRunCanHave() throws Exception {
    List<List<String>> cols =
        query(
            "DESCRIBE SELECT * FROM read_parquet('"
                + sampleOut
                + "/runs/*/*.parquet', hive_partitioning = false)");
    List<String> names = new ArrayList<>();
    for (List<String> c : cols) {
      names.add(c.get(0));
    }
    assertEquals(
        List.of(
            "time", "fx_1", "fx_2", "fy_1", "fy_2", "fz_1", "fz_2", "x_1", "x_2", "y_1", "y_2",
            "z_1", "z_2"),
        names.subList(0, 13));
    assertEquals("TIMESTAMP WITH TIME ZONE", cols.get(0).get(1));
    for (List<String> c : cols.subList(1, cols.size())) {
      assertEquals(c.get(0), "DOUBLE", c.get(1));
    }
    assertTrue(
        names.containsAll(
            List.of("vx_1", "vz_2", "ax_1", "az_2", "v1", "v2", "a1", "a2", "f1", "f2")));
    // A run with all twelve signals has every value in every row; the encoder-only run has no
    // forces at all.
    assertEquals(
        0,
        scalar(
            "SELECT count(*) FROM "
                + runs(sampleOut)
                + " WHERE run_uuid = '7582293080991470061' AND (fx_1 IS NULL OR fx_2 IS NULL OR"
                + " fy_1 IS NULL OR fy_2 IS NULL OR fz_1 IS NULL OR fz_2 IS NULL OR x_1 IS NULL"
                + " OR x_2 IS NULL OR y_1 IS NULL OR y_2 IS NULL OR z_1 IS NULL OR z_2 IS NULL"
                + " OR v1 IS NULL OR a2 IS NULL OR f1 IS NULL)"));
    assertEquals(
        0,
        scalar(
            "SELECT count(fx_1) + count(f2) FROM "
                + runs(sampleOut)
                + " WHERE run_uuid = '8910095844186657261'"));
    // grid: 10 ms steps
    assertEquals(
        0,
        scalar(
            "SELECT count(*) FROM (SELECT epoch_ms(time) - lag(epoch_ms(time)) OVER (PARTITION BY"
                + " run_uuid ORDER BY time) AS d FROM "
                + runs(sampleOut)
                + ") WHERE d IS NOT NULL AND d <> 10"));
    // grid points written = grid_points in the statistics
    assertEquals(
        scalar("SELECT count(*) FROM " + runs(sampleOut)),
        scalar("SELECT sum(grid_points) FROM " + stats(sampleOut)));
  }

  @Test
  public void theExactHighFrequencyRunWithAFloatRunId() throws Exception {
    Path out = TMP.newFolder("exact").toPath();
    runSensors(EXACT, out);
    List<String> oracle =
        query(
                "SELECT epoch_ns(min(time::TIMESTAMPTZ)), epoch_ns(max(time::TIMESTAMPTZ)),"
                    + " count(*) FROM read_parquet('"
                    + EXACT
                    + "')")
            .get(0);
    List<String> row =
        query(
                "SELECT run_uuid, epoch_ns(start_time), epoch_ns(stop_time), runtime_s,"
                    + " samples_fx_1, samples_x_1, missing_signals, grid_points FROM "
                    + stats(out))
            .get(0);
    // float64 1.2405186538561671E19 holds exactly 12405186538561671168
    assertEquals("12405186538561671168", row.get(0));
    assertEquals(oracle.get(0), row.get(1));
    assertEquals(oracle.get(1), row.get(2));
    assertEquals(77.627, Double.parseDouble(row.get(3)), 1e-9);
    assertEquals("7764", row.get(4));
    assertEquals("0", row.get(5));
    assertEquals("fx_2,fy_1,fy_2,fz_1,fz_2,x_1,x_2,y_1,y_2,z_1,z_2", row.get(6));
    assertEquals(7763, Long.parseLong(row.get(7)));
    // every grid value lies between the raw readings around it
    assertEquals(
        0,
        scalar(
            "SELECT count(*) FROM "
                + runs(out)
                + " WHERE fx_1 < (SELECT min(value) FROM read_parquet('"
                + EXACT
                + "')) OR fx_1 > (SELECT max(value) FROM read_parquet('"
                + EXACT
                + "'))"));
  }

  @Test
  public void badReadingsAreRejectedAndEveryRowIsAccountedFor() throws Exception {
    Path in = TMP.newFolder("bad-in").toPath();
    StringBuilder csv = new StringBuilder("time,value,field,robot_id,run_uuid,sensor_type\n");
    for (int i = 0; i < 200; i++) {
      String t = String.format("2022-11-23T20:40:%02d.%03dZ", i / 100, (i % 100) * 10);
      csv.append(t).append(',').append(100 + i % 7).append(",fx,1,99,load_cell\n");
    }
    csv.append("2022-11-23T20:40:00.000Z,100,fx,1,99,load_cell\n"); // exact duplicate of row 1
    csv.append("2022-11-23T20:40:00.010Z,555,fx,1,99,load_cell\n"); // conflicts with row 2
    csv.append("not-a-time,1,fx,1,99,load_cell\n");
    csv.append("2022-11-23T20:40:00Z,NaN,fx,1,99,load_cell\n");
    csv.append("2022-11-23T20:40:00Z,1,x,1,99,load_cell\n");
    csv.append("2022-11-23T20:40:00Z,1,fx,7,99,load_cell\n");
    csv.append("2022-11-23T20:40:00Z,99999,fx,1,99,load_cell\n");
    Files.writeString(in.resolve("readings.csv"), csv);
    Path out = TMP.newFolder("bad-out").toPath();
    Map<String, StageRunner.Outcome> r = runSensors(in.resolve("*.csv"), out);
    JsonNode m = r.get("clean").manifest;
    assertEquals(207, m.at("/rows/in").asLong());
    assertEquals(1, m.at("/rows/dropped").asLong());
    JsonNode by = m.at("/rows/rejected_by_reason");
    assertEquals(2, by.path("conflicting_duplicate").asLong());
    assertEquals(1, by.path("unparseable_time").asLong());
    assertEquals(1, by.path("non_finite_value").asLong());
    assertEquals(1, by.path("field_sensor_mismatch").asLong());
    assertEquals(1, by.path("unknown_robot").asLong());
    assertEquals(1, by.path("out_of_bounds").asLong());
    // 200 good rows, one of them (t = 10 ms) in conflict with an extra row: both rejected
    assertEquals(7, m.at("/rows/rejected").asLong());
    assertEquals(199, m.at("/rows/out").asLong());
    String rejects = Files.readString(out.resolve("_rejected/clean/rejected-00000-of-00001.jsonl"));
    assertTrue(rejects.contains("readings.csv"));
    assertTrue(rejects.contains("\"line\":205"));
  }

  /** A truncated Parquet file among good files is one reject; the job goes on and balances. */
  @Test
  public void aTruncatedParquetFileIsARejectAndTheRestIsProcessed() throws Exception {
    Path in = TMP.newFolder("truncated-in").toPath();
    Files.copy(SAMPLE, in.resolve("sample_v0.csv"));
    byte[] exact = Files.readAllBytes(EXACT);
    Path cut = in.resolve("cut.parquet");
    Files.write(cut, java.util.Arrays.copyOf(exact, exact.length / 2));
    Path out = TMP.newFolder("truncated-out").toPath();
    Map<String, StageRunner.Outcome> r = runSensors(in.resolve("*"), out);
    JsonNode clean = r.get("clean").manifest;
    JsonNode alone = sampleRun.get("clean").manifest;
    assertEquals(alone.at("/rows/in").asLong() + 1, clean.at("/rows/in").asLong());
    assertEquals(alone.at("/rows/out").asLong(), clean.at("/rows/out").asLong());
    assertEquals(1, clean.at("/rows/rejected_by_reason/unreadable_file").asLong());
    String rejects = Files.readString(out.resolve("_rejected/clean/rejected-00000-of-00001.jsonl"));
    String line =
        rejects.lines().filter(l -> l.contains("unreadable_file")).findFirst().orElseThrow();
    assertTrue(line, line.contains("\"source\":\"" + cut + "\""));
    assertTrue(line, line.contains(cut + " is not a Parquet file"));
  }

  /**
   * A run id becomes a folder name, runs/run_uuid=&lt;id&gt;/: hostile ids are rejected with their
   * line, and no file appears outside --output (before, {@code ../../../../../escaped} wrote {@code
   * escaped/part-00000-of-00001.parquet} beside the output folder).
   */
  @Test
  public void hostileRunIdsAreRejectedAndNothingIsWrittenOutsideTheOutput() throws Exception {
    Path root = TMP.newFolder("hostile").toPath();
    Path in = Files.createDirectories(root.resolve("in"));
    Path out = root.resolve("a/b/c/out");
    String[] ids = {
      "../../../../../escaped",
      "../../escaped2",
      "x/../../y",
      "a\\b",
      "..",
      "nul\u0000id",
      "ünïcödé",
      "7".repeat(200)
    };
    StringBuilder csv = new StringBuilder("time,value,field,robot_id,run_uuid,sensor_type\n");
    for (String id : ids) {
      for (int i = 0; i < 3; i++) {
        csv.append("2022-11-23T20:40:0")
            .append(i)
            .append("Z,1,x,1,")
            .append(id)
            .append(",encoder\n");
      }
    }
    for (int i = 0; i < 3; i++) {
      csv.append("2022-11-23T20:40:0").append(i).append("Z,").append(i).append(",x,1,42,encoder\n");
    }
    Files.writeString(in.resolve("readings.csv"), csv);
    Map<String, StageRunner.Outcome> run = runSensors(in.resolve("readings.csv"), out);
    JsonNode clean = run.get("clean").manifest;
    assertEquals(ids.length * 3 + 3, clean.at("/rows/in").asLong());
    assertEquals(3, clean.at("/rows/out").asLong());
    assertEquals(ids.length * 3, clean.at("/rows/rejected_by_reason/invalid_run_uuid").asLong());
    // the only run folder is the good one, and every file is under in/ or the output
    try (var files = Files.walk(root)) {
      List<Path> outside =
          files
              .filter(Files::isRegularFile)
              .filter(f -> !f.startsWith(in) && !f.startsWith(out))
              .toList();
      assertEquals(List.of(), outside);
    }
    try (var dirs = Files.list(out.resolve("runs"))) {
      assertEquals(
          List.of("run_uuid=42"),
          dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).toList());
    }
  }

  /**
   * Every option is checked before any stage runs (a bad --gridStep failed only after clean), and
   * the sizes that decide memory are bounded: a 1 µs grid would make each run's table a thousand
   * times longer than a 1 ms one.
   */
  @Test
  public void optionsAreCheckedBeforeAnyStageAndSizesAreBounded() throws Exception {
    Path out = TMP.newFolder("bad-options").toPath();
    String[][] cases = {
      {"--gridStep=1us", "--gridStep must be at least 1ms"},
      {"--gridStep=0ms", "--gridStep must be at least 1ms"},
      {"--gridStep=soon", "--gridStep must be a duration"},
      {"--maxGap=soon", "--maxGap must be a duration"},
      {"--spikeWindow=2000000000", "--spikeWindow must be from 2 to 1000"},
      {"--spikeThreshold=0", "--spikeThreshold must be a positive number"},
      {"--positionBounds=1", "--positionBounds"},
      {"--stages=clean,align", "--stages"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e =
          org.junit.Assert.assertThrows(
              IllegalArgumentException.class,
              () ->
                  JobRun.cli(
                      "sensors", "--input=" + SAMPLE, "--output=" + out, JobRun.DIRECT, c[0]));
      assertTrue(c[0] + ": " + e.getMessage(), e.getMessage().startsWith(c[1]));
      try (var made = Files.list(out)) {
        assertEquals(c[0], List.of(), made.toList());
      }
    }
  }

  /** --stages=clean prints where the clean readings are, not runs/ and stats/ it did not make. */
  @Test
  public void aCleanOnlyRunPrintsOnlyWhatItProduced() throws Exception {
    Path out = TMP.newFolder("clean-only").toPath();
    String log =
        JobRun.ok(
            "sensors", "--input=" + SAMPLE, "--output=" + out, JobRun.DIRECT, "--stages=clean");
    assertTrue(log, log.contains("clean:   " + out.resolve("clean")));
    assertFalse(log, log.contains("runs:"));
    assertFalse(log, log.contains("stats:"));
    assertFalse(Files.exists(out.resolve("runs")));
  }

  @Test
  public void rerunSkipsAndAGridOptionRerunsOnlyRuns() throws Exception {
    Path out = TMP.newFolder("rerun").toPath();
    runSensors(EXACT, out);
    Map<String, StageRunner.Outcome> again = runSensors(EXACT, out);
    assertTrue(again.get("clean").skipped);
    assertTrue(again.get("runs").skipped);
    Map<String, StageRunner.Outcome> coarser = runSensors(EXACT, out, "--gridStep=20ms");
    assertTrue(coarser.get("clean").skipped);
    assertFalse(coarser.get("runs").skipped);
    assertEquals(3881, scalar("SELECT grid_points FROM " + stats(out)));
  }

  @Test
  public void embeddedFlinkWritesTheSameRowsAsTheDirectRunner() throws Exception {
    Path flinkOut = TMP.newFolder("flink").toPath();
    Map<String, StageRunner.Outcome> flink =
        runSensors(
            SAMPLE, flinkOut, "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2");
    assertEquals("FlinkRunner", flink.get("runs").manifest.get("runner").asText());
    for (String[] t :
        new String[][] {
          {runs(sampleOut), runs(flinkOut)},
          {stats(sampleOut), stats(flinkOut)},
          {
            "read_parquet('" + sampleOut + "/clean/*.parquet')",
            "read_parquet('" + flinkOut + "/clean/*.parquet')"
          }
        }) {
      assertEquals(scalar("SELECT count(*) FROM " + t[0]), scalar("SELECT count(*) FROM " + t[1]));
      assertEquals(
          0,
          scalar(
              "SELECT count(*) FROM (SELECT * FROM "
                  + t[0]
                  + " EXCEPT ALL SELECT * FROM "
                  + t[1]
                  + ")"));
    }
  }
}
