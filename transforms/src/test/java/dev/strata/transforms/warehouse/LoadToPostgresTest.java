package dev.strata.transforms.warehouse;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.strata.transforms.common.Failure;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/**
 * {@link LoadToPostgres} on the DirectRunner into a real PostgreSQL (embedded, started by the
 * test): generated Data Wow files of known row counts and one that is not Parquet.
 */
public class LoadToPostgresTest {
  @ClassRule public static final TemporaryFolder PG_DIR = new TemporaryFolder();
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();
  static EmbeddedPostgres pg;

  @BeforeClass
  public static void start() throws Exception {
    pg = EmbeddedPostgres.builder().setDataDirectory(PG_DIR.newFolder("pg").toPath()).start();
  }

  @AfterClass
  public static void stop() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  static LoadToPostgres.Target target(String table) throws Exception {
    FileLoader loader = new FileLoader(table);
    try (Connection c = pg.getPostgresDatabase().getConnection()) {
      loader.createTables(c);
    }
    return new LoadToPostgres.Target(
        pg.getJdbcUrl("postgres", "postgres"), "postgres", null, table);
  }

  static long count(String sql) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  static long counter(PipelineResult r, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        r.metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(LoadToPostgres.class, name))
                    .build())
            .getCounters()) {
      sum += c.getCommitted();
    }
    return sum;
  }

  /** Two generated files (30 and 20 rows) and {@code bad.parquet} (three bytes). */
  Path inputs() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    new DataWowFiles(3).write(dir, 0, 30);
    new DataWowFiles(3).write(dir, 1, 20);
    Files.write(dir.resolve("bad.parquet"), new byte[] {1, 2, 3});
    return dir;
  }

  private PCollectionTuple load(Path dir, LoadToPostgres transform) {
    return p.apply(
            FileIO.match()
                .filepattern(dir + "/*.parquet")
                .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply(FileIO.readMatches())
        .apply(transform);
  }

  /** file to "STATUS rows", and the reason's first word for a rejected one. */
  static Map<String, String> outcomes(Iterable<FileLoader.Result> results) {
    Map<String, String> m = new TreeMap<>();
    for (FileLoader.Result r : results) {
      String reason = r.reason() == null ? "" : " " + r.reason().split(":")[0];
      assertNull("one result per file", m.put(r.file(), r.status() + " " + r.rows() + reason));
    }
    return m;
  }

  @Test
  @Category(NeedsRunner.class)
  public void loadsEachFileOnceAndRejectsTheBadOne() throws Exception {
    Path dir = inputs();
    PCollectionTuple out = load(dir, LoadToPostgres.into(target("lp.data_sample")));
    PAssert.that(out.get(LoadToPostgres.RESULTS))
        .satisfies(
            results -> {
              assertEquals(
                  Map.of(
                      "2023-01-01 00:00:00.parquet", "LOADED 30",
                      "2023-01-01 00:01:00.parquet", "LOADED 20",
                      "bad.parquet", "REJECTED 0 corrupt"),
                  outcomes(results));
              return null;
            });
    String bad = dir.resolve("bad.parquet").toString();
    PAssert.that(out.get(LoadToPostgres.FAILURES))
        .satisfies(
            failures -> {
              int n = 0;
              for (Failure f : failures) {
                n++;
                assertEquals("LoadToPostgres", f.step());
                assertEquals(bad, f.source());
                assertNull(f.line());
                assertEquals("corrupt", f.reason());
                assertTrue(f.message(), f.message().startsWith("corrupt: "));
                assertEquals("bad.parquet", f.payload());
              }
              assertEquals(1, n);
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(3, counter(r, LoadToPostgres.FILES));
    assertEquals(2, counter(r, LoadToPostgres.LOADED));
    assertEquals(0, counter(r, LoadToPostgres.REPLACED));
    assertEquals(0, counter(r, LoadToPostgres.UNCHANGED));
    assertEquals(1, counter(r, LoadToPostgres.REJECTED));
    assertEquals(50, counter(r, LoadToPostgres.ROWS));
    assertEquals(3, counter(r, LoadToPostgres.DECODED));
    assertEquals(50, count("SELECT count(*) FROM lp.data_sample"));
    assertEquals(2, count("SELECT count(*) FROM lp.load_ledger WHERE status = 'loaded'"));
  }

  @Test
  @Category(NeedsRunner.class)
  public void aSecondLoadFindsEveryGoodFileUnchanged() throws Exception {
    Path dir = inputs();
    LoadToPostgres.Target t = target("again.data_sample");
    try (Connection c = pg.getPostgresDatabase().getConnection()) {
      FileLoader loader = new FileLoader("again.data_sample");
      for (String name : List.of("2023-01-01 00:00:00.parquet", "2023-01-01 00:01:00.parquet")) {
        Path f = dir.resolve(name);
        loader.load(
            c,
            name,
            Files.size(f),
            () -> java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ));
      }
    }
    // one transaction per file this time: the outcome is the same
    PCollectionTuple out = load(dir, LoadToPostgres.into(t).withBatchSize(1));
    PAssert.that(out.get(LoadToPostgres.RESULTS))
        .satisfies(
            results -> {
              assertEquals(
                  Map.of(
                      "2023-01-01 00:00:00.parquet", "UNCHANGED 0",
                      "2023-01-01 00:01:00.parquet", "UNCHANGED 0",
                      "bad.parquet", "REJECTED 0 corrupt"),
                  outcomes(results));
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(2, counter(r, LoadToPostgres.UNCHANGED));
    assertEquals(0, counter(r, LoadToPostgres.ROWS));
    assertEquals(50, count("SELECT count(*) FROM again.data_sample"));
  }

  @Test
  @Category(NeedsRunner.class)
  public void noFilesNoResults() throws Exception {
    PCollectionTuple out =
        load(tmp.newFolder("none").toPath(), LoadToPostgres.into(target("none.data_sample")));
    PAssert.that(out.get(LoadToPostgres.RESULTS)).empty();
    PAssert.that(out.get(LoadToPostgres.FAILURES)).empty();
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(0, counter(r, LoadToPostgres.FILES));
  }

  @Test
  public void settingsAreChecked() {
    LoadToPostgres.Target t = new LoadToPostgres.Target("jdbc:postgresql://h/db", "u", null, "a.b");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LoadToPostgres.into(t).withBatchSize(0));
    assertEquals("batch size must be at least 1, not 0", e.getMessage());
    p.enableAbandonedNodeEnforcement(false);
    assertThrows(
        IllegalArgumentException.class,
        () ->
            p.apply(FileIO.match().filepattern(tmp.getRoot() + "/*.parquet"))
                .apply(FileIO.readMatches())
                .apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))))
                .apply(LoadToPostgres.into(t)));
  }

  /** Deletes one file after it was matched and before it is loaded: it vanished. */
  static final class DeleteAfterMatch extends DoFn<FileIO.ReadableFile, FileIO.ReadableFile> {
    private final String name;

    DeleteAfterMatch(String name) {
      this.name = name;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile f, OutputReceiver<FileIO.ReadableFile> out)
        throws Exception {
      if (f.getMetadata().resourceId().getFilename().equals(name)) {
        Files.delete(Path.of(f.getMetadata().resourceId().toString()));
      }
      out.output(f);
    }
  }

  @Test
  @Category(NeedsRunner.class)
  public void aFileThatVanishedAfterMatchingIsAFailureNotACrash() throws Exception {
    Path dir = inputs();
    String gone = "2023-01-01 00:01:00.parquet";
    String gonePath = dir.resolve(gone).toString();
    PCollectionTuple out =
        p.apply(FileIO.match().filepattern(dir + "/*.parquet"))
            .apply(FileIO.readMatches())
            .apply(ParDo.of(new DeleteAfterMatch(gone)))
            .apply(LoadToPostgres.into(target("vanish.data_sample")));
    PAssert.that(out.get(LoadToPostgres.RESULTS))
        .satisfies(
            results -> {
              assertEquals(
                  Map.of(
                      "2023-01-01 00:00:00.parquet",
                      "LOADED 30",
                      gone,
                      "REJECTED 0 vanished",
                      "bad.parquet",
                      "REJECTED 0 corrupt"),
                  outcomes(results));
              return null;
            });
    PAssert.that(out.get(LoadToPostgres.FAILURES))
        .satisfies(
            failures -> {
              Map<String, String> m = new TreeMap<>();
              for (Failure f : failures) {
                m.put(f.payload(), f.reason());
                if (f.reason().equals("vanished")) {
                  assertEquals(gonePath, f.source());
                  assertTrue(f.message(), f.message().contains(gone));
                }
              }
              assertEquals(Map.of(gone, "vanished", "bad.parquet", "corrupt"), m);
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(2, counter(r, LoadToPostgres.REJECTED));
    assertEquals(30, count("SELECT count(*) FROM vanish.data_sample"));
    // no ledger row for the vanished file: verify would report an entry without its file
    assertEquals(
        0, count("SELECT count(*) FROM vanish.load_ledger WHERE file_name = '" + gone + "'"));
  }

  /** A matched file, as {@code FileIO.readMatches()} makes it (its constructor is not public). */
  static FileIO.ReadableFile readable(MatchResult.Metadata m) throws Exception {
    java.lang.reflect.Constructor<FileIO.ReadableFile> k =
        FileIO.ReadableFile.class.getDeclaredConstructor(
            MatchResult.Metadata.class, Compression.class);
    k.setAccessible(true);
    return k.newInstance(m, Compression.UNCOMPRESSED);
  }

  /** Runs {@link LoadToPostgres.LoadFn} on {@code files} in one bundle, outside a pipeline. */
  static void oneBundle(
      LoadToPostgres.Target t,
      List<FileIO.ReadableFile> files,
      List<FileLoader.Result> results,
      List<Failure> failures)
      throws Exception {
    LoadToPostgres.LoadFn fn = new LoadToPostgres.LoadFn(t, LoadToPostgres.DEFAULT_BATCH_SIZE);
    fn.setup();
    try {
      fn.startBundle();
      DoFn.MultiOutputReceiver out =
          new DoFn.MultiOutputReceiver() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> DoFn.OutputReceiver<T> get(TupleTag<T> tag) {
              List<Object> to =
                  tag.equals(LoadToPostgres.RESULTS)
                      ? (List<Object>) (List<?>) results
                      : (List<Object>) (List<?>) failures;
              return new DoFn.OutputReceiver<T>() {
                @Override
                public void output(T v) {
                  to.add(v);
                }

                @Override
                public void outputWithTimestamp(T v, Instant ts) {
                  to.add(v);
                }
              };
            }

            @Override
            public <T> DoFn.OutputReceiver<Row> getRowReceiver(TupleTag<T> tag) {
              throw new UnsupportedOperationException();
            }
          };
      for (FileIO.ReadableFile f : files) {
        fn.process(f, out);
      }
      fn.finishBundle(
          fn.new FinishBundleContext() {
            @Override
            public PipelineOptions getPipelineOptions() {
              return PipelineOptionsFactory.create();
            }

            @Override
            public void output(FileLoader.Result r, Instant ts, BoundedWindow w) {
              results.add(r);
            }

            @Override
            public <T> void output(TupleTag<T> tag, T v, Instant ts, BoundedWindow w) {
              out.get(tag).output(v);
            }
          });
    } finally {
      fn.teardown();
    }
  }

  @Test
  public void theSameNameTwiceInOneBundleLoadsTheLaterVersion() throws Exception {
    Path a = tmp.newFolder("a").toPath();
    Path b = tmp.newFolder("b").toPath();
    new DataWowFiles(31).write(a, 0, 30);
    new DataWowFiles(32).write(b, 0, 20);
    String name = DataWowFiles.fileName(0);
    LoadToPostgres.Target t = target("twice.data_sample");
    List<FileLoader.Result> results = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    oneBundle(
        t,
        List.of(
            readable(FileSystems.matchSingleFileSpec(a.resolve(name).toString())),
            readable(FileSystems.matchSingleFileSpec(b.resolve(name).toString()))),
        results,
        failures);
    assertEquals(
        List.of(name + " LOADED 30", name + " REPLACED 20"),
        results.stream().map(r -> r.file() + " " + r.status() + " " + r.rows()).toList());
    assertEquals(List.of(), failures);
    // the later version won, as a rerun over it would have it
    assertEquals(20, count("SELECT count(*) FROM twice.data_sample"));
    assertEquals(20, count("SELECT rows FROM twice.load_ledger"));
    try (Connection c = pg.getPostgresDatabase().getConnection()) {
      assertEquals(List.of(), new FileLoader("twice.data_sample").checkTable(c));
    }
  }

  @Test
  public void aVanishedMatchedFileInABundleIsAFailureWithoutALedgerRow() throws Exception {
    Path dir = tmp.newFolder("gone1").toPath();
    new DataWowFiles(34).write(dir, 0, 30);
    Path gone = dir.resolve(DataWowFiles.fileName(0));
    MatchResult.Metadata m = FileSystems.matchSingleFileSpec(gone.toString());
    Files.delete(gone);
    LoadToPostgres.Target t = target("gone1.data_sample");
    List<FileLoader.Result> results = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    oneBundle(t, List.of(readable(m)), results, failures);
    assertEquals(
        List.of(FileLoader.Status.REJECTED), results.stream().map(r -> r.status()).toList());
    assertEquals(1, failures.size());
    assertEquals("vanished", failures.get(0).reason());
    assertEquals(gone.toString(), failures.get(0).source());
    assertEquals(DataWowFiles.fileName(0), failures.get(0).payload());
    assertEquals(0, count("SELECT count(*) FROM gone1.load_ledger"));
  }

  /**
   * A directory in place of a matched file: unreadable, not vanished (chmod 000 does not stop
   * root).
   */
  @Test
  public void anUnreadableMatchedFileIsRejectedInTheLedger() throws Exception {
    Path dir = tmp.newFolder("unread1").toPath();
    new DataWowFiles(35).write(dir, 0, 30);
    Path bad = dir.resolve(DataWowFiles.fileName(0));
    MatchResult.Metadata m = FileSystems.matchSingleFileSpec(bad.toString());
    Files.delete(bad);
    Files.createDirectory(bad);
    LoadToPostgres.Target t = target("unread1.data_sample");
    List<FileLoader.Result> results = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    oneBundle(t, List.of(readable(m)), results, failures);
    assertEquals(1, failures.size());
    assertEquals("unreadable", failures.get(0).reason());
    assertEquals(
        1,
        count(
            "SELECT count(*) FROM unread1.load_ledger WHERE status = 'rejected'"
                + " AND reason LIKE 'unreadable: %'"));
  }

  @Test
  @Category(NeedsRunner.class)
  public void aRerunOfUnchangedFilesDecodesNone() throws Exception {
    Path dir = tmp.newFolder("rerun").toPath();
    new DataWowFiles(33).write(dir, 0, 30);
    new DataWowFiles(33).write(dir, 1, 20);
    LoadToPostgres.Target t = target("rerun.data_sample");
    try (Connection c = pg.getPostgresDatabase().getConnection()) {
      FileLoader loader = new FileLoader("rerun.data_sample");
      for (int k = 0; k < 2; k++) {
        Path f = dir.resolve(DataWowFiles.fileName(k));
        loader.load(
            c,
            f.getFileName().toString(),
            Files.size(f),
            () -> java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ));
      }
    }
    load(dir, LoadToPostgres.into(t));
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(2, counter(r, LoadToPostgres.UNCHANGED));
    assertEquals(0, counter(r, LoadToPostgres.DECODED));
    assertEquals(50, count("SELECT count(*) FROM rerun.data_sample"));
  }
}
