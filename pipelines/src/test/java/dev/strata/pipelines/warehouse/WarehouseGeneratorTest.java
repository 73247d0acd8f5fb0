package dev.strata.pipelines.warehouse;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.strata.pipelines.testing.Duck;
import dev.strata.pipelines.testing.JobRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The warehouse generator against the real Data Wow file (through DuckDB): same names, column names
 * and types, row count per file, value shapes and distributions; deterministic.
 */
public class WarehouseGeneratorTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  static final Path REAL = Path.of("src/test/resources/datawow/2023-01-01 00:00:00.parquet");

  static List<List<String>> query(Duck c, String sql) throws Exception {
    return c.query(sql);
  }

  @Test
  public void filesLookLikeTheRealOne() throws Exception {
    Path out = tmp.newFolder("wh").toPath();
    JobRun.ok("generate-warehouse", "--output=" + out, "--files=61");
    assertTrue(Files.exists(out.resolve("2023-01-01 00:00:00.parquet")));
    assertTrue(Files.exists(out.resolve("2023-01-01 01:00:00.parquet")));
    try (Stream files = new Stream(out)) {
      assertEquals(61, files.count);
    }
    try (Duck c = Duck.open()) {
      String ours = "read_parquet('" + out + "/*.parquet', filename = true)";
      // same columns and types as the real file
      assertEquals(
          query(c, "DESCRIBE SELECT * FROM '" + REAL.toAbsolutePath() + "'"),
          query(c, "DESCRIBE SELECT * EXCLUDE (filename) FROM " + ours));
      List<String> facts =
          query(
                  c,
                  "SELECT count(*), count(DISTINCT filename), count(DISTINCT department_name),"
                      + " min(length(department_name)), max(length(sensor_serial)),"
                      + " min(length(product_name)), max(length(product_name)),"
                      + " min(date_diff('day', create_at, product_expire)),"
                      + " max(date_diff('day', create_at, product_expire)),"
                      + " count(*) FILTER (WHERE department_name IS NULL OR sensor_serial IS NULL"
                      + " OR create_at IS NULL OR product_name IS NULL OR product_expire IS NULL),"
                      + " count(*) FILTER (WHERE strftime(create_at, '%Y-%m-%d %H:%M:%S') ||"
                      + " '.parquet' <> regexp_extract(filename, '[^/]+$'))"
                      + " FROM "
                      + ours)
              .get(0);
      assertEquals(
          List.of("116754", "61", "100", "32", "64", "16", "16", "87", "89", "0", "0"), facts);
      // serials per department: 5..29
      List<String> serials =
          query(
                  c,
                  "SELECT min(n), max(n) FROM (SELECT department_name, count(DISTINCT"
                      + " sensor_serial) n FROM "
                      + ours
                      + " GROUP BY 1)")
              .get(0);
      assertTrue(serials.toString(), Integer.parseInt(serials.get(0)) >= 5);
      assertTrue(serials.toString(), Integer.parseInt(serials.get(1)) <= 29);
      // the real file's own shape, for comparison
      assertEquals(
          List.of("1914", "100", "87", "89"),
          query(
                  c,
                  "SELECT count(*), count(DISTINCT department_name), min(date_diff('day',"
                      + " create_at, product_expire)), max(date_diff('day', create_at,"
                      + " product_expire)) FROM '"
                      + REAL.toAbsolutePath()
                      + "'")
              .get(0));
    }
    // deterministic: the same seed writes the same rows
    Path again = tmp.newFolder("again").toPath();
    JobRun.ok("generate-warehouse", "--output=" + again, "--files=3");
    try (Duck c = Duck.open()) {
      assertEquals(
          "0",
          query(
                  c,
                  "SELECT count(*) FROM (SELECT * FROM read_parquet('"
                      + again
                      + "/*.parquet') EXCEPT ALL SELECT * FROM read_parquet(['"
                      + out
                      + "/2023-01-01 00:00:00.parquet', '"
                      + out
                      + "/2023-01-01 00:01:00.parquet', '"
                      + out
                      + "/2023-01-01 00:02:00.parquet']))")
              .get(0)
              .get(0));
    }
  }

  /** Counts the Parquet files of a directory. */
  private static final class Stream implements AutoCloseable {
    final long count;

    Stream(Path dir) throws Exception {
      try (var s = Files.list(dir)) {
        count = s.filter(p -> p.toString().endsWith(".parquet")).count();
      }
    }

    @Override
    public void close() {}
  }
}
