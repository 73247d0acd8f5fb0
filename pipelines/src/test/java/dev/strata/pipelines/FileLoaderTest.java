package dev.strata.pipelines;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.strata.pipelines.warehouse.WarehouseGenerator;
import dev.strata.transforms.warehouse.FileLoader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Exactly-once loading of single files into a real PostgreSQL (embedded, started by the test): the
 * real Data Wow file row for row, reload without duplicates, a changed file replacing its rows, and
 * every bad-file class rejected in the ledger while the rest stays.
 */
public class FileLoaderTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  static EmbeddedPostgres pg;
  static final Path REAL = Path.of("src/test/resources/datawow/2023-01-01 00:00:00.parquet");

  @BeforeClass
  public static void start() throws Exception {
    pg = EmbeddedPostgres.builder().setDataDirectory(TMP.newFolder("pg").toPath()).start();
  }

  @AfterClass
  public static void stop() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  static Connection connect() throws Exception {
    return pg.getPostgresDatabase().getConnection();
  }

  static FileLoader.Result load(FileLoader l, Connection c, Path f) throws Exception {
    return l.load(
        c,
        f.getFileName().toString(),
        Files.size(f),
        () -> FileChannel.open(f, StandardOpenOption.READ));
  }

  static List<String> rows(Connection c, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      int n = r.getMetaData().getColumnCount();
      while (r.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          b.append(r.getString(i)).append('|');
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  @Test
  public void theRealFileRowForRowThenReloadAndReplace() throws Exception {
    FileLoader l = new FileLoader("dwh.data_sample");
    try (Connection c = connect()) {
      l.createTables(c);
      FileLoader.Result first = load(l, c, REAL);
      assertEquals(FileLoader.Status.LOADED, first.status());
      assertEquals(1914, first.rows());
      // Row-level check: the table's rows equal the file's rows (as read by DuckDB), as multisets.
      List<String> table =
          rows(
              c,
              "SELECT department_name, sensor_serial, to_char(create_at, 'YYYY-MM-DD HH24:MI:SS'),"
                  + " product_name, to_char(product_expire, 'YYYY-MM-DD HH24:MI:SS') FROM"
                  + " dwh.data_sample");
      List<String> file;
      try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:")) {
        file =
            rows(
                duck,
                "SELECT department_name, sensor_serial, strftime(create_at, '%Y-%m-%d %H:%M:%S'),"
                    + " product_name, strftime(product_expire, '%Y-%m-%d %H:%M:%S') FROM '"
                    + REAL.toAbsolutePath()
                    + "'");
      }
      Collections.sort(table);
      Collections.sort(file);
      assertEquals(file, table);
      // column types as specified
      assertEquals(
          List.of(
              "department_name|character varying|32|",
              "sensor_serial|character varying|64|",
              "create_at|timestamp without time zone|null|",
              "product_name|character varying|16|",
              "product_expire|timestamp without time zone|null|",
              "load_file_id|bigint|null|"),
          rows(
              c,
              "SELECT column_name, data_type, character_maximum_length FROM"
                  + " information_schema.columns WHERE table_schema = 'dwh' AND table_name ="
                  + " 'data_sample' ORDER BY ordinal_position"));
      // reload: nothing changes
      assertEquals(FileLoader.Status.UNCHANGED, load(l, c, REAL).status());
      assertEquals(List.of("1914|"), rows(c, "SELECT count(*) FROM dwh.data_sample"));
      // a changed file of the same name replaces its rows
      Path dir = TMP.newFolder("changed").toPath();
      new WarehouseGenerator(99).write(dir, 0, 100);
      Files.copy(dir.resolve("2023-01-01 00:00:00.parquet"), dir.resolve("copy.parquet"));
      Path changed = dir.resolve("2023-01-01 00:00:00.parquet");
      FileLoader.Result again = load(l, c, changed);
      assertEquals(FileLoader.Status.REPLACED, again.status());
      assertEquals(List.of("100|"), rows(c, "SELECT count(*) FROM dwh.data_sample"));
      assertEquals(
          List.of("2023-01-01 00:00:00.parquet|100|loaded|"),
          rows(c, "SELECT file_name, rows, status FROM dwh.load_ledger"));
    }
  }

  @Test
  public void badFilesAreRejectedWithTheirReasonAndTheRestLoads() throws Exception {
    FileLoader l = new FileLoader("bad.data_sample");
    Path dir = TMP.newFolder("bad").toPath();
    Path good = dir.resolve("good.parquet");
    Files.copy(REAL, good);
    Files.write(dir.resolve("empty.parquet"), new byte[0]);
    byte[] real = Files.readAllBytes(REAL);
    Files.write(dir.resolve("truncated.parquet"), java.util.Arrays.copyOf(real, real.length / 2));
    Files.writeString(dir.resolve("text.parquet"), "department_name,sensor_serial\n");
    try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement()) {
      s.execute(
          "COPY (SELECT department_name AS dept, sensor_serial, create_at, product_name,"
              + " product_expire FROM '"
              + REAL.toAbsolutePath()
              + "') TO '"
              + dir.resolve("renamed.parquet")
              + "'");
      s.execute(
          "COPY (SELECT department_name, sensor_serial, create_at::VARCHAR AS create_at,"
              + " product_name, product_expire FROM '"
              + REAL.toAbsolutePath()
              + "') TO '"
              + dir.resolve("string-time.parquet")
              + "'");
    }
    try (Connection c = connect()) {
      l.createTables(c);
      String[][] expect = {
        {"empty.parquet", "corrupt"},
        {"truncated.parquet", "corrupt"},
        {"text.parquet", "corrupt"},
        {"renamed.parquet", "missing_column: the file has no column department_name"},
        {"string-time.parquet", "wrong_type: column create_at"},
      };
      for (String[] e : expect) {
        FileLoader.Result r = load(l, c, dir.resolve(e[0]));
        assertEquals(e[0], FileLoader.Status.REJECTED, r.status());
        assertTrue(e[0] + ": " + r.reason(), r.reason().startsWith(e[1]));
      }
      assertEquals(FileLoader.Status.LOADED, load(l, c, good).status());
      assertEquals(List.of("1914|"), rows(c, "SELECT count(*) FROM bad.data_sample"));
      assertEquals(
          List.of("5|1|"),
          rows(
              c,
              "SELECT count(*) FILTER (WHERE status = 'rejected'), count(*) FILTER (WHERE status"
                  + " = 'loaded') FROM bad.load_ledger"));
    }
  }
}
