package dev.strata.pipelines.warehouse;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.Strata;
import dev.strata.pipelines.launcher.Json;
import dev.strata.pipelines.testing.JobRun;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code strata warehouse} end to end on an embedded PostgreSQL kept between runs: first load,
 * rerun (nothing loaded twice), new and changed files, a bad file among good ones, and names with
 * spaces and colons.
 */
public class WarehouseJobTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static String lastLog;

  static JsonNode run(Path in, Path out, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--input=" + in, "--output=" + out));
    if (Stream.of(extra).noneMatch(a -> a.startsWith("--runner") || a.startsWith("@"))) {
      args.add(JobRun.DIRECT);
    }
    lastLog = JobRun.ok(JobRun.args("warehouse", args, extra));
    return Json.MAPPER.readTree(out.resolve("load/_manifest.json").toFile());
  }

  @Test
  public void loadsOncePerFileVersion() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Path out = tmp.newFolder("out").toPath();
    WarehouseGenerator g = new WarehouseGenerator(5);
    for (int k = 0; k < 12; k++) {
      g.write(in, k, 50);
    }
    Files.copy(
        Path.of("src/test/resources/datawow/2023-01-01 00:00:00.parquet"),
        in.resolve("real 2023-01-01 00:00:00.parquet"));
    JsonNode first = run(in, out);
    assertEquals(13, first.at("/counters/loaded").asLong());
    assertEquals(12 * 50 + 1914, first.at("/counters/rows").asLong());

    JsonNode second = run(in, out);
    assertEquals(13, second.at("/counters/unchanged").asLong());
    assertEquals(0, second.at("/counters/rows").asLong());

    // two new files, one changed file, one bad file
    g.write(in, 12, 50);
    g.write(in, 13, 50);
    new WarehouseGenerator(6).write(in, 0, 70);
    Files.writeString(in.resolve("2023-01-01 09:99:99.parquet"), "not parquet");
    JsonNode third = run(in, out);
    assertEquals(2, third.at("/counters/loaded").asLong());
    assertEquals(1, third.at("/counters/replaced").asLong());
    assertEquals(12, third.at("/counters/unchanged").asLong());
    assertEquals(1, third.at("/counters/rejected").asLong());
    assertEquals(1, third.at("/rows/rejected_by_reason/corrupt").asLong());
    assertEquals(2 * 50 + 70, third.at("/counters/rows").asLong());
    String rejects = Files.readString(out.resolve("_rejected/load/rejected-00000-of-00001.jsonl"));
    assertTrue(rejects, rejects.contains("2023-01-01 09:99:99.parquet"));
    // the load accounts per file, and its line says so (it said "16 rows in")
    assertTrue(lastLog, lastLog.contains("[load] 16 files in -> 15 out + 1 rejected"));
  }

  /** Options are checked before the embedded PostgreSQL starts (--table was checked after). */
  @Test
  public void optionsAreCheckedBeforePostgresStarts() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    new WarehouseGenerator(5).write(in, 0, 10);
    Path out = tmp.getRoot().toPath().resolve("never");
    String[][] cases = {
      {"--table=Public.Bad-Name", "--table must be schema.table"},
      {"--replaceFrom=yesterday", "--replaceFrom and --replaceTo go together"},
      {"--replaceFrom=yesterday --replaceTo=2023-01-02T00:00:00", "--replaceFrom must be a time"},
      {
        "--replaceFrom=2023-01-02T00:00:00 --replaceTo=2023-01-01T00:00:00",
        "--replaceFrom must be before --replaceTo"
      },
      {"--role=Robert');DROP", "a role name is"},
      {"--continuous --pollSeconds=0", "--pollSeconds must be in 1..3600"},
      {
        "--continuous --templateLocation=gs://b/specs",
        "a Dataflow job loads into a PostgreSQL server its workers reach"
      },
    };
    for (String[] c : cases) {
      List<String> args =
          new ArrayList<>(List.of("warehouse", "--input=" + in, "--output=" + out, JobRun.DIRECT));
      args.addAll(List.of(c[0].split(" ")));
      IllegalArgumentException e =
          org.junit.Assert.assertThrows(
              IllegalArgumentException.class, () -> JobRun.cli(args.toArray(new String[0])));
      assertTrue(c[0] + ": " + e.getMessage(), e.getMessage().startsWith(c[1]));
      assertTrue(c[0] + " started PostgreSQL or wrote output", !Files.exists(out));
    }
  }

  static long count(Connection c, String sql) throws Exception {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  /** The data columns of the table, as the job loads them (not its load_file_id). */
  static final String DATA_COLUMNS =
      "department_name, sensor_serial, create_at, product_name, product_expire";

  /**
   * Rows of {@code a}'s {@code table} not in {@code b}'s, plus the reverse, as multisets over
   * {@code columns}: 0 when the two schemas' tables hold the same rows.
   */
  static long difference(Connection c, String columns, String table, String a, String b)
      throws Exception {
    long n = 0;
    for (String[] ab : new String[][] {{a, b}, {b, a}}) {
      n +=
          count(
              c,
              String.format(
                  "SELECT count(*) FROM (SELECT %1$s FROM %2$s.%4$s EXCEPT ALL SELECT %1$s FROM"
                      + " %3$s.%4$s) d",
                  columns, ab[0], ab[1], table));
    }
    return n;
  }

  static int verify(Path in, Path out, String url) throws Exception {
    return JobRun.cli("warehouse", "verify", "--input=" + in, "--output=" + out, "--jdbcUrl=" + url)
        .code();
  }

  @Test
  public void aLoadKilledMidwayAndRerunEndsExactThenABackfill() throws Exception {
    Path in = tmp.newFolder("many").toPath();
    WarehouseGenerator g = new WarehouseGenerator(9);
    int files = 400;
    for (int k = 0; k < files; k++) {
      g.write(in, k, 200);
    }
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder().setDataDirectory(tmp.newFolder("pg").toPath()).start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      Path out = tmp.newFolder("crash-out").toPath();
      // A child process loads; it is killed (SIGKILL) once some files are in.
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child =
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  Strata.class.getName(),
                  "warehouse",
                  "--input=" + in,
                  "--output=" + out,
                  "--jdbcUrl=" + url)
              .redirectErrorStream(true)
              .redirectOutput(tmp.newFile("child.log"))
              .start();
      long loadedAtKill = 0;
      try (Connection c = pg.getPostgresDatabase().getConnection()) {
        long deadline = System.currentTimeMillis() + 120_000;
        while (child.isAlive() && System.currentTimeMillis() < deadline) {
          try {
            loadedAtKill = count(c, "SELECT count(*) FROM dwh.load_ledger");
          } catch (java.sql.SQLException notYet) {
            loadedAtKill = 0; // the child has not created the tables yet
          }
          if (loadedAtKill >= 30) {
            new ProcessBuilder("kill", "-9", Long.toString(child.pid())).start().waitFor();
            break;
          }
          Thread.sleep(20);
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue("killed mid-load, not after it: " + loadedAtKill, loadedAtKill < files);
        // whatever committed is whole: every ledger file has exactly its rows
        long ledgerRows = count(c, "SELECT coalesce(sum(rows), 0) FROM dwh.load_ledger");
        assertEquals(ledgerRows, count(c, "SELECT count(*) FROM dwh.data_sample"));
        assertTrue(ledgerRows % 200 == 0);
      }
      assertEquals(1, verify(in, out, url)); // files missing from the ledger: a difference
      // rerun: exactly every row once
      JsonNode rerun = run(in, out, "--jdbcUrl=" + url);
      try (Connection c = pg.getPostgresDatabase().getConnection()) {
        assertEquals((long) files * 200, count(c, "SELECT count(*) FROM dwh.data_sample"));
        assertEquals(files, count(c, "SELECT count(*) FROM dwh.load_ledger"));
        assertEquals(
            files - rerun.at("/counters/loaded").asLong(),
            rerun.at("/counters/unchanged").asLong());
        // no file's rows twice: per file the table holds its 200 rows
        assertEquals(
            0,
            count(
                c,
                "SELECT count(*) FROM (SELECT load_file_id FROM dwh.data_sample GROUP BY 1 HAVING count(*) <> 200) x"));
      }
      assertEquals(0, verify(in, out, url));
      // backfill 00:02 .. 00:05: three files forgotten and loaded again, nothing else
      JsonNode backfill =
          run(
              in,
              out,
              "--jdbcUrl=" + url,
              "--replaceFrom=2023-01-01T00:02",
              "--replaceTo=2023-01-01T00:05");
      assertEquals(3, backfill.at("/counters/loaded").asLong());
      assertEquals(files - 3, backfill.at("/counters/unchanged").asLong());
      try (Connection c = pg.getPostgresDatabase().getConnection()) {
        assertEquals((long) files * 200, count(c, "SELECT count(*) FROM dwh.data_sample"));
      }
      assertEquals(0, verify(in, out, url));
    }
  }

  @Test
  public void directRunnerAndEmbeddedFlinkLoadTheSameRows() throws Exception {
    Path in = tmp.newFolder("matrix").toPath();
    WarehouseGenerator g = new WarehouseGenerator(9);
    for (int k = 0; k < 70; k++) {
      g.write(in, k, 40);
    }
    Files.writeString(in.resolve("2023-01-02 00:00:00.parquet"), "not parquet");
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder().setDataDirectory(tmp.newFolder("pgm").toPath()).start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      JsonNode direct =
          run(in, tmp.newFolder("d").toPath(), "--jdbcUrl=" + url, "--table=direct.data_sample");
      JsonNode flink =
          run(
              in,
              tmp.newFolder("f").toPath(),
              "--jdbcUrl=" + url,
              "--table=flink.data_sample",
              "--runner=FlinkRunner",
              "--flinkMaster=[local]",
              "--parallelism=2");
      assertEquals("DirectRunner", direct.get("runner").asText());
      assertEquals("FlinkRunner", flink.get("runner").asText());
      for (String k : new String[] {"loaded", "rejected", "rows"}) {
        assertEquals(k, direct.at("/counters/" + k).asLong(), flink.at("/counters/" + k).asLong());
      }
      assertEquals(70 * 40, flink.at("/counters/rows").asLong());
      try (Connection c = pg.getPostgresDatabase().getConnection()) {
        assertEquals(0, difference(c, DATA_COLUMNS, "data_sample", "direct", "flink"));
        assertEquals(
            0,
            count(
                c,
                "SELECT count(*) FROM (SELECT file_name, rows, status, reason FROM"
                    + " direct.load_ledger EXCEPT SELECT file_name, rows, status, reason FROM"
                    + " flink.load_ledger) d"));
      }
    }
  }
}
