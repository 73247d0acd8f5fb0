package dev.strata.transforms.warehouse;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

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

  /** The real Data Wow sample file: 1,914 rows. */
  static final Path REAL = DataWowFiles.resource("/FileLoaderTest/2023-01-01 00:00:00.parquet");

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
      new DataWowFiles(99).write(dir, 0, 100);
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

  /**
   * One flipped bit in the create_at dictionary page changes the date of every row (1,914 rows with
   * a wrong date loaded, exit 0, before); the page's CRC does not match, and the file is rejected
   * as corrupt with nothing of it loaded.
   */
  @Test
  public void aFlippedByteInAPageWithACrcRejectsTheFile() throws Exception {
    FileLoader l = new FileLoader("crc.data_sample");
    Path dir = TMP.newFolder("crc").toPath();
    new DataWowFiles(3).write(dir, 0, 1914);
    Path f = dir.resolve(DataWowFiles.fileName(0));
    long createNs = DataWowFiles.FIRST.toEpochSecond(java.time.ZoneOffset.UTC) * 1_000_000_000L;
    dev.strata.transforms.common.CorruptParquet.flipValue(f, "create_at", createNs);
    try (Connection c = connect()) {
      l.createTables(c);
      FileLoader.Result r = load(l, c, f);
      assertEquals(r.reason(), FileLoader.Status.REJECTED, r.status());
      assertTrue(r.reason(), r.reason().startsWith("corrupt: "));
      assertTrue(r.reason(), r.reason().contains("CRC checksum verification failed"));
      assertEquals(List.of("0|"), rows(c, "SELECT count(*) FROM crc.data_sample"));
      assertEquals(List.of("rejected|0|"), rows(c, "SELECT status, rows FROM crc.load_ledger"));
    }
  }

  /** Writes {@code select} (DuckDB SQL over the real file, {@code real}) to a Parquet file. */
  static Path duck(Path dir, String name, String select) throws Exception {
    Path out = dir.resolve(name);
    try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        Statement s = duck.createStatement()) {
      s.execute("CREATE VIEW real AS SELECT * FROM '" + REAL.toAbsolutePath().toString() + "'");
      s.execute("COPY (" + select + ") TO '" + out + "' (FORMAT parquet)");
    }
    return out;
  }

  static FileLoader.Source source(Path f) throws Exception {
    return new FileLoader.Source(
        f.getFileName().toString(),
        Files.size(f),
        () -> FileChannel.open(f, StandardOpenOption.READ));
  }

  @Test
  public void valuesTheTableCannotHoldRejectTheFileNamingTheColumn() throws Exception {
    FileLoader l = new FileLoader("vals.data_sample");
    Path dir = TMP.newFolder("values").toPath();
    String rest = "sensor_serial, create_at, product_name, product_expire";
    String[][] expect = {
      {
        duck(
                dir,
                "long.parquet",
                "SELECT CASE WHEN sensor_serial = (SELECT max(sensor_serial) FROM"
                    + " real) THEN repeat('é', 33) ELSE department_name END AS department_name, "
                    + rest
                    + " FROM real")
            .toString(),
        "too_long: row ",
        "column department_name has 33 characters, the table allows 32"
      },
      {
        duck(
                dir,
                "null.parquet",
                "SELECT department_name, NULL::VARCHAR AS sensor_serial,"
                    + " create_at, product_name, product_expire FROM real")
            .toString(),
        "null_value: row 1 has no sensor_serial",
        ""
      },
      {
        duck(
                dir,
                "nul.parquet",
                "SELECT department_name || chr(0) AS department_name, " + rest + " FROM real")
            .toString(),
        "invalid_value: row 1 column department_name is not valid UTF-8 text or holds a NUL",
        ""
      },
      {
        duck(
                dir,
                "struct.parquet",
                "SELECT department_name, sensor_serial, create_at,"
                    + " {'x': product_name} AS product_name, product_expire FROM real")
            .toString(),
        "wrong_type: column product_name is a list or group, expected a string",
        ""
      },
      {
        duck(
                dir,
                "int.parquet",
                "SELECT department_name, sensor_serial, create_at,"
                    + " 7 AS product_name, product_expire FROM real")
            .toString(),
        "wrong_type: column product_name is INT32",
        ", expected a string"
      },
    };
    try (Connection c = connect()) {
      l.createTables(c);
      for (String[] e : expect) {
        FileLoader.Result r = load(l, c, Path.of(e[0]));
        assertEquals(e[0], FileLoader.Status.REJECTED, r.status());
        assertTrue(e[0] + ": " + r.reason(), r.reason().startsWith(e[1]));
        assertTrue(e[0] + ": " + r.reason(), r.reason().endsWith(e[2]));
      }
      assertEquals(List.of("0|"), rows(c, "SELECT count(*) FROM vals.data_sample"));
      // a file that loaded, then changed into a bad one: its old rows go, the ledger says why
      Path f = dir.resolve("f.parquet");
      Files.copy(REAL, f);
      assertEquals(FileLoader.Status.LOADED, load(l, c, f).status());
      Files.copy(Path.of(expect[1][0]), f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertEquals(FileLoader.Status.REJECTED, load(l, c, f).status());
      assertEquals(List.of("0|"), rows(c, "SELECT count(*) FROM vals.data_sample"));
      assertEquals(
          List.of("rejected|0|null_value: row 1 has no sensor_serial|"),
          rows(
              c,
              "SELECT status, rows, reason FROM vals.load_ledger WHERE file_name = 'f.parquet'"));
    }
  }

  @Test
  public void timestampsKeepTheirPrecisionInEveryParquetUnit() throws Exception {
    // The oracle is PostgreSQL's own text input of the same instants (it rounds to microseconds,
    // half to even), which our binary path does not use.
    String[] instants = {
      "2023-01-01 00:00:00.123456", "2023-01-31 23:59:59.999999", "1969-12-31 23:59:59.5",
      "2000-01-01 00:00:00", "1900-02-28 12:00:00.000001", "2262-04-11 00:00:00.25"
    };
    String[] nanos = {
      "2023-01-01 00:00:00.0000015",
      "2023-01-01 00:00:00.0000025",
      "2023-01-01 00:00:00.000000499",
      "1970-01-01 00:00:00.0000005"
    };
    Path dir = TMP.newFolder("times").toPath();
    String list = "'" + String.join("', '", instants) + "'";
    String nlist = "'" + String.join("', '", nanos) + "'";
    List<Path> files =
        List.of(
            duck(
                dir,
                "us.parquet",
                "SELECT 'd' AS department_name, 's' AS sensor_serial,"
                    + " t::TIMESTAMP AS create_at, 'p' AS product_name, t::TIMESTAMP AS product_expire"
                    + " FROM unnest(["
                    + list
                    + "]) u(t)"),
            duck(
                dir,
                "ms.parquet",
                "SELECT 'd' AS department_name, 's' AS sensor_serial,"
                    + " t::TIMESTAMP_MS AS create_at, 'p' AS product_name,"
                    + " t::TIMESTAMP_MS AS product_expire FROM unnest(['2023-01-01 00:00:00.123',"
                    + " '1950-06-30 01:02:03.999']) u(t)"),
            duck(
                dir,
                "ns.parquet",
                "SELECT 'd' AS department_name, 's' AS sensor_serial,"
                    + " t::TIMESTAMP_NS AS create_at, 'p' AS product_name,"
                    + " t::TIMESTAMP_NS AS product_expire FROM unnest(["
                    + nlist
                    + "]) u(t)"));
    FileLoader l = new FileLoader("times.data_sample");
    try (Connection c = connect()) {
      l.createTables(c);
      for (Path f : files) {
        assertEquals(f.toString(), FileLoader.Status.LOADED, load(l, c, f).status());
      }
      String fmt = "'YYYY-MM-DD HH24:MI:SS.US'";
      List<String> all = new ArrayList<>(List.of(instants));
      all.add("2023-01-01 00:00:00.123");
      all.add("1950-06-30 01:02:03.999");
      all.addAll(List.of(nanos));
      String arr = "ARRAY['" + String.join("', '", all) + "']";
      assertEquals(
          rows(
              c, "SELECT to_char(s::timestamp, " + fmt + ") FROM unnest(" + arr + ") s ORDER BY 1"),
          rows(c, "SELECT to_char(create_at, " + fmt + ") FROM times.data_sample ORDER BY 1"));
      assertEquals(
          List.of("0|"),
          rows(c, "SELECT count(*) FROM times.data_sample WHERE create_at <> product_expire"));
    }
  }

  @Test
  public void aBatchMixesNewUnchangedChangedAndBadFilesInOneTransaction() throws Exception {
    FileLoader l = new FileLoader("batch.data_sample");
    Path dir = TMP.newFolder("batch").toPath();
    DataWowFiles g = new DataWowFiles(5);
    for (int k = 0; k < 3; k++) {
      g.write(dir, k, 50);
    }
    List<Path> first;
    try (var list = Files.list(dir)) {
      first = list.sorted().toList();
    }
    try (Connection c = connect()) {
      l.createTables(c);
      List<FileLoader.Source> batch = new ArrayList<>();
      for (Path f : first) {
        batch.add(source(f));
      }
      assertEquals(
          List.of(FileLoader.Status.LOADED, FileLoader.Status.LOADED, FileLoader.Status.LOADED),
          l.loadAll(c, batch).stream().map(FileLoader.Result::status).toList());
      // the next batch: file 0 unchanged, file 1 changed (20 rows), file 2 now bad, one new file
      new DataWowFiles(6).write(dir, 1, 20);
      Files.write(first.get(2), new byte[] {1, 2, 3});
      g.write(dir, 3, 50);
      List<Path> second;
      try (var list = Files.list(dir)) {
        second = list.sorted().toList();
      }
      batch.clear();
      for (Path f : second) {
        batch.add(source(f));
      }
      java.util.Collections.reverse(batch); // order in a batch does not matter
      List<FileLoader.Result> r = l.loadAll(c, batch);
      assertEquals(
          List.of(
              FileLoader.Status.LOADED,
              FileLoader.Status.REJECTED,
              FileLoader.Status.REPLACED,
              FileLoader.Status.UNCHANGED),
          r.stream().map(FileLoader.Result::status).toList());
      assertEquals(List.of(50L, 0L, 20L, 0L), r.stream().map(FileLoader.Result::rows).toList());
      assertEquals(List.of("120|"), rows(c, "SELECT count(*) FROM batch.data_sample"));
      assertEquals(List.of(), l.checkTable(c));
      // a batch that fails in the database leaves nothing behind: a name twice is refused first
      assertThrows(
          IllegalArgumentException.class, () -> l.loadAll(c, List.of(batch.get(0), batch.get(0))));
    }
  }

  @Test
  public void twoLoadersAtOnceNeverLoadAFileTwice() throws Exception {
    FileLoader l = new FileLoader("race.data_sample");
    Path dir = TMP.newFolder("race").toPath();
    DataWowFiles g = new DataWowFiles(8);
    for (int k = 0; k < 40; k++) {
      g.write(dir, k, 30);
    }
    List<Path> files;
    try (var list = Files.list(dir)) {
      files = list.sorted().toList();
    }
    try (Connection c = connect()) {
      l.createTables(c);
    }
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(3);
    List<java.util.concurrent.Future<List<FileLoader.Result>>> runs = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      List<Path> mine = new ArrayList<>(files);
      Collections.shuffle(mine, new java.util.Random(w));
      runs.add(
          pool.submit(
              () -> {
                List<FileLoader.Result> out = new ArrayList<>();
                try (Connection c = connect()) {
                  for (int i = 0; i < mine.size(); i += 7) {
                    List<FileLoader.Source> batch = new ArrayList<>();
                    for (Path f : mine.subList(i, Math.min(mine.size(), i + 7))) {
                      batch.add(source(f));
                    }
                    out.addAll(l.loadAll(c, batch));
                  }
                }
                return out;
              }));
    }
    java.util.Map<String, Integer> loads = new java.util.TreeMap<>();
    for (var run : runs) {
      for (FileLoader.Result r : run.get()) {
        if (r.status() == FileLoader.Status.LOADED) {
          loads.merge(r.file(), 1, Integer::sum);
        } else {
          assertEquals(r.file(), FileLoader.Status.UNCHANGED, r.status());
        }
      }
    }
    pool.shutdown();
    assertEquals(40, loads.size());
    assertTrue(loads.toString(), loads.values().stream().allMatch(n -> n == 1));
    try (Connection c = connect()) {
      assertEquals(List.of("1200|"), rows(c, "SELECT count(*) FROM race.data_sample"));
      assertEquals(List.of(), l.checkTable(c));
    }
  }

  @Test
  public void theLeastPrivilegeRoleLoadsNewFilesButCannotDeleteRows() throws Exception {
    FileLoader l = new FileLoader("priv.data_sample");
    Path dir = TMP.newFolder("priv").toPath();
    DataWowFiles g = new DataWowFiles(12);
    g.write(dir, 0, 30);
    g.write(dir, 1, 30);
    Path first = dir.resolve("2023-01-01 00:00:00.parquet");
    try (Connection admin = connect();
        Statement s = admin.createStatement()) {
      l.createTables(admin);
      s.execute(l.roleSql("priv_writer", "pw"));
    }
    try (Connection c = pg.getDatabase("priv_writer", "postgres").getConnection()) {
      assertEquals(FileLoader.Status.LOADED, load(l, c, first).status());
      assertEquals(
          FileLoader.Status.LOADED,
          load(l, c, dir.resolve("2023-01-01 00:01:00.parquet")).status());
      assertEquals(FileLoader.Status.UNCHANGED, load(l, c, first).status());
      // replacing a changed file deletes rows: refused, and nothing of the batch stays
      new DataWowFiles(13).write(dir, 0, 10);
      java.sql.SQLException e = assertThrows(java.sql.SQLException.class, () -> load(l, c, first));
      assertTrue(e.getMessage(), e.getMessage().contains("permission denied"));
      assertThrows(
          java.sql.SQLException.class,
          () -> c.createStatement().execute("DELETE FROM priv.data_sample"));
      assertEquals(List.of("60|"), rows(c, "SELECT count(*) FROM priv.data_sample"));
      assertEquals(List.of(), l.checkTable(c));
    }
  }

  @Test
  public void aFileThatVanishedAfterListingIsAFailureWithoutALedgerRow() throws Exception {
    FileLoader l = new FileLoader("gone.data_sample");
    Path dir = TMP.newFolder("gone").toPath();
    DataWowFiles g = new DataWowFiles(21);
    g.write(dir, 0, 30);
    g.write(dir, 1, 20);
    Path good = dir.resolve(DataWowFiles.fileName(0));
    Path gone = dir.resolve(DataWowFiles.fileName(1));
    FileLoader.Source listed = source(gone); // listed (its size known), then deleted
    Files.delete(gone);
    try (Connection c = connect()) {
      l.createTables(c);
      List<FileLoader.Result> r = l.loadAll(c, List.of(source(good), listed));
      assertEquals(FileLoader.Status.LOADED, r.get(0).status());
      assertEquals(FileLoader.Status.REJECTED, r.get(1).status());
      assertEquals(0, r.get(1).rows());
      assertTrue(r.get(1).reason(), r.get(1).reason().startsWith("vanished: "));
      assertTrue(r.get(1).reason(), r.get(1).reason().contains(DataWowFiles.fileName(1)));
      // no ledger row for it, so verify stays clean; a batch of only vanished files does nothing
      assertEquals(
          List.of(DataWowFiles.fileName(0) + "|loaded|"),
          rows(c, "SELECT file_name, status FROM gone.load_ledger"));
      assertEquals(
          List.of(FileLoader.Status.REJECTED),
          l.loadAll(c, List.of(listed)).stream().map(FileLoader.Result::status).toList());
      assertEquals(List.of("1|"), rows(c, "SELECT count(*) FROM gone.load_ledger"));
      assertEquals(List.of("30|"), rows(c, "SELECT count(*) FROM gone.data_sample"));
      assertEquals(List.of(), l.checkTable(c));
    }
  }

  /**
   * An unreadable file: a directory in place of the file, as {@code chmod 000} does not stop root
   * (the tests may run as root) from reading; reading it fails with an {@code IOException} that is
   * not "no such file".
   */
  @Test
  public void anUnreadableFileIsRejectedAndTheBatchLoads() throws Exception {
    FileLoader l = new FileLoader("unread.data_sample");
    Path dir = TMP.newFolder("unread").toPath();
    DataWowFiles g = new DataWowFiles(22);
    g.write(dir, 0, 30);
    g.write(dir, 1, 20);
    g.write(dir, 2, 10);
    Path good = dir.resolve(DataWowFiles.fileName(0));
    Path loadedBefore = dir.resolve(DataWowFiles.fileName(1));
    Path neverLoaded = dir.resolve(DataWowFiles.fileName(2));
    try (Connection c = connect()) {
      l.createTables(c);
      assertEquals(FileLoader.Status.LOADED, load(l, c, loadedBefore).status());
      FileLoader.Source listed1 = source(loadedBefore);
      FileLoader.Source listed2 = source(neverLoaded);
      // A directory where the file was: unreadable even for root, which chmod is not.
      for (Path p : List.of(loadedBefore, neverLoaded)) {
        Files.delete(p);
        Files.createDirectory(p);
      }
      List<FileLoader.Result> r = l.loadAll(c, List.of(listed1, listed2, source(good)));
      assertEquals(FileLoader.Status.REJECTED, r.get(0).status());
      assertTrue(r.get(0).reason(), r.get(0).reason().startsWith("unreadable: "));
      assertTrue(r.get(0).reason(), r.get(0).reason().endsWith("the version loaded before stays"));
      assertEquals(FileLoader.Status.REJECTED, r.get(1).status());
      assertTrue(r.get(1).reason(), r.get(1).reason().startsWith("unreadable: "));
      assertEquals(FileLoader.Status.LOADED, r.get(2).status());
      assertEquals(
          List.of(
              DataWowFiles.fileName(0) + "|loaded|null|",
              DataWowFiles.fileName(1) + "|loaded|null|",
              DataWowFiles.fileName(2) + "|rejected|" + r.get(1).reason() + "|"),
          rows(c, "SELECT file_name, status, reason FROM unread.load_ledger ORDER BY 1"));
      // Not read is not changed: the rows loaded before stay (a passing I/O error must not
      // empty them); the file never loaded has none.
      assertEquals(List.of("50|"), rows(c, "SELECT count(*) FROM unread.data_sample"));
      assertEquals(List.of(), l.checkTable(c));
    }
  }

  @Test
  public void onlyFilesNotLoadedUnchangedAreDecoded() throws Exception {
    FileLoader l = new FileLoader("decode.data_sample");
    Path dir = TMP.newFolder("decode").toPath();
    DataWowFiles g = new DataWowFiles(23);
    for (int k = 0; k < 3; k++) {
      g.write(dir, k, 30);
    }
    List<FileLoader.Source> batch = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      batch.add(source(dir.resolve(DataWowFiles.fileName(k))));
    }
    java.util.concurrent.atomic.AtomicInteger decoded =
        new java.util.concurrent.atomic.AtomicInteger();
    try (Connection c = connect()) {
      l.createTables(c);
      l.loadAll(c, batch, decoded::incrementAndGet);
      assertEquals(3, decoded.getAndSet(0));
      List<FileLoader.Result> r = l.loadAll(c, batch, decoded::incrementAndGet);
      assertEquals(0, decoded.getAndSet(0));
      assertTrue(r.stream().allMatch(x -> x.status() == FileLoader.Status.UNCHANGED));
      // one changed file: only it is decoded
      new DataWowFiles(24).write(dir, 1, 10);
      batch.set(1, source(dir.resolve(DataWowFiles.fileName(1))));
      r = l.loadAll(c, batch, decoded::incrementAndGet);
      assertEquals(1, decoded.getAndSet(0));
      assertEquals(
          List.of(
              FileLoader.Status.UNCHANGED, FileLoader.Status.REPLACED, FileLoader.Status.UNCHANGED),
          r.stream().map(FileLoader.Result::status).toList());
      assertEquals(List.of("70|"), rows(c, "SELECT count(*) FROM decode.data_sample"));
      assertEquals(List.of(), l.checkTable(c));
    }
  }

  /**
   * A ledger row that changes between the read-only look-up and the transaction: the file looked
   * unchanged, so it was not decoded; the transaction sees the change under its lock and decodes it
   * there. The change is made from another connection while the batch decodes its first file.
   */
  @Test
  public void aLedgerRowChangedAfterTheLookUpIsDecodedInTheTransaction() throws Exception {
    FileLoader l = new FileLoader("recheck.data_sample");
    Path dir = TMP.newFolder("recheck").toPath();
    DataWowFiles g = new DataWowFiles(25);
    g.write(dir, 0, 30);
    g.write(dir, 1, 20);
    FileLoader.Source fresh = source(dir.resolve(DataWowFiles.fileName(0)));
    FileLoader.Source known = source(dir.resolve(DataWowFiles.fileName(1)));
    try (Connection c = connect();
        Connection other = connect()) {
      l.createTables(c);
      assertEquals(FileLoader.Status.LOADED, l.loadAll(c, List.of(known)).get(0).status());
      java.util.concurrent.atomic.AtomicInteger decoded =
          new java.util.concurrent.atomic.AtomicInteger();
      List<FileLoader.Result> r =
          l.loadAll(
              c,
              List.of(fresh, known),
              () -> {
                if (decoded.getAndIncrement() == 0) {
                  try (Statement s = other.createStatement()) {
                    s.execute(
                        "UPDATE recheck.load_ledger SET sha256 = 'changed' WHERE file_name = '"
                            + DataWowFiles.fileName(1)
                            + "'");
                  } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                  }
                }
              });
      assertEquals(2, decoded.get());
      assertEquals(
          List.of(FileLoader.Status.LOADED, FileLoader.Status.REPLACED),
          r.stream().map(FileLoader.Result::status).toList());
      assertEquals(List.of(30L, 20L), r.stream().map(FileLoader.Result::rows).toList());
      assertEquals(List.of("50|"), rows(c, "SELECT count(*) FROM recheck.data_sample"));
      assertEquals(List.of(), l.checkTable(c));
    }
  }

  /**
   * The ledger records each version's modification time ({@code source_mtime}), a ledger made
   * before that column existed gets it, and a touched but identical file only updates the time:
   * rows, status and {@code loaded_at} stay.
   */
  @Test
  public void theLedgerRecordsTheModificationTimeAndOldLedgersGetTheColumn() throws Exception {
    FileLoader l = new FileLoader("mtime.data_sample");
    Path dir = TMP.newFolder("mtime").toPath();
    new DataWowFiles(26).write(dir, 0, 30);
    Path f = dir.resolve(DataWowFiles.fileName(0));
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      // a ledger as the loader made it before source_mtime
      s.execute("CREATE SCHEMA mtime");
      s.execute(
          "CREATE TABLE mtime.load_ledger (file_id bigserial PRIMARY KEY, file_name text NOT NULL"
              + " UNIQUE, size_bytes bigint NOT NULL, sha256 text NOT NULL, rows bigint NOT NULL,"
              + " status text NOT NULL, reason text, loaded_at timestamptz NOT NULL DEFAULT"
              + " now())");
      l.createTables(c);
      l.createTables(c); // idempotent
      FileLoader.Source first =
          new FileLoader.Source(
              DataWowFiles.fileName(0),
              Files.size(f),
              () -> FileChannel.open(f, StandardOpenOption.READ),
              1_000_000L);
      assertEquals(FileLoader.Status.LOADED, l.loadAll(c, List.of(first)).get(0).status());
      String sql = "SELECT rows, status, loaded_at, source_mtime FROM mtime.load_ledger";
      List<String> loaded = rows(c, sql);
      assertTrue(loaded.toString(), loaded.get(0).endsWith("|1000000|"));
      FileLoader.Source touched =
          new FileLoader.Source(first.name(), first.size(), first.open(), 2_000_000L);
      assertEquals(FileLoader.Status.UNCHANGED, l.loadAll(c, List.of(touched)).get(0).status());
      assertEquals(
          List.of(loaded.get(0).replace("|1000000|", "|2000000|")), rows(c, sql)); // only the time
      // unknown time (0): recorded as null, never matched by a listing
      new DataWowFiles(27).write(dir, 0, 10);
      FileLoader.Source changed =
          new FileLoader.Source(
              first.name(), Files.size(f), () -> FileChannel.open(f, StandardOpenOption.READ));
      assertEquals(FileLoader.Status.REPLACED, l.loadAll(c, List.of(changed)).get(0).status());
      assertEquals(
          List.of("10|loaded|null|"),
          rows(c, "SELECT rows, status, source_mtime FROM mtime.load_ledger"));
      assertEquals(List.of(), l.checkTable(c));
    }
  }
}
