package dev.strata.pipelines.warehouse;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.strata.pipelines.testing.ChildJob;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code warehouse --continuous} on its default runner (embedded Flink, streaming) in a process of
 * its own, with files arriving while it runs: renamed into place, written in place slowly, changed
 * after loading. Then SIGTERM: exit 0, and the table is what a batch load of the same files gives
 * ({@code warehouse verify}: no difference).
 */
public class ContinuousWarehouseTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test(timeout = 300_000)
  public void filesAreLoadedAsTheyArriveAndSigtermStopsCleanly() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Path staging = tmp.newFolder("staging").toPath();
    Path out = tmp.newFolder("out").toPath();
    WarehouseGenerator g = new WarehouseGenerator(31);
    for (int k = 0; k < 4; k++) {
      g.write(in, k, 200); // there before the job starts
    }
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder().setDataDirectory(tmp.newFolder("pg").toPath()).start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      Path log = tmp.newFile("child.log").toPath();
      Process child = start(in, out, url, log);
      try (Connection c = pg.getPostgresDatabase().getConnection()) {
        awaitLedger(
            c, child, log, "SELECT count(*) FROM dwh.load_ledger WHERE status = 'loaded'", 4);
        // Renamed into place: written under a temporary name first, which is never read.
        for (int k = 4; k < 7; k++) {
          g.write(staging, k, 200);
          Path src = staging.resolve(WarehouseGenerator.fileName(k));
          Path tmpName = in.resolve("." + WarehouseGenerator.fileName(k) + ".tmp");
          Files.move(src, tmpName);
          Files.move(tmpName, in.resolve(src.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        // Written in place, slowly: 10 pieces 300 ms apart, longer than one poll.
        g.write(staging, 7, 300);
        byte[] whole = Files.readAllBytes(staging.resolve(WarehouseGenerator.fileName(7)));
        try (OutputStream o = Files.newOutputStream(in.resolve(WarehouseGenerator.fileName(7)))) {
          int piece = whole.length / 10 + 1;
          for (int off = 0; off < whole.length; off += piece) {
            o.write(whole, off, Math.min(piece, whole.length - off));
            o.flush();
            Thread.sleep(300);
          }
        }
        awaitLedger(
            c, child, log, "SELECT count(*) FROM dwh.load_ledger WHERE status = 'loaded'", 8);
        // A loaded file changes: its rows are replaced, as a batch rerun would.
        Path changed = in.resolve(WarehouseGenerator.fileName(2));
        g.write(staging, 2, 50);
        Files.move(
            staging.resolve(WarehouseGenerator.fileName(2)),
            changed,
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        Files.setLastModifiedTime(
            changed,
            java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        awaitLedger(
            c,
            child,
            log,
            "SELECT count(*) FROM dwh.load_ledger WHERE file_name = '"
                + WarehouseGenerator.fileName(2)
                + "' AND rows = 50",
            1);
        // The half-written file never loaded half: it is in the ledger once, whole.
        assertEquals(
            300,
            WarehouseJobTest.count(
                c,
                "SELECT rows FROM dwh.load_ledger WHERE file_name = '"
                    + WarehouseGenerator.fileName(7)
                    + "'"));
        assertEquals(
            7 * 200 - 200 + 50 + 300,
            WarehouseJobTest.count(c, "SELECT count(*) FROM dwh.data_sample"));
      }
      String text = ChildJob.sigterm(child, log);
      assertTrue(text, text.contains("[load] stopped: the ledger holds 8 files loaded"));
      assertStatusLines(text, 8);
      assertEquals(0, WarehouseJobTest.verify(in, out, url));

      // A restart over unchanged files reads none of them (the ledger knows each version by
      // name, size and modification time); a touched but identical file is read, found unchanged,
      // and its ledger row learns the new time: the table does not change.
      String first = WarehouseGenerator.fileName(0);
      Path touched = in.resolve(first);
      long newTime = Files.getLastModifiedTime(touched).toMillis() - 60_000;
      Files.setLastModifiedTime(touched, java.nio.file.attribute.FileTime.fromMillis(newTime));
      try (Connection c = pg.getPostgresDatabase().getConnection()) {
        String before = ledgerRow(c, first);
        long rows = WarehouseJobTest.count(c, "SELECT count(*) FROM dwh.data_sample");
        Path log2 = tmp.newFile("restart.log").toPath();
        Process again = start(in, out, url, log2);
        awaitLedger(
            c,
            again,
            log2,
            "SELECT count(*) FROM dwh.load_ledger WHERE file_name = '"
                + first
                + "' AND source_mtime = "
                + newTime,
            1);
        ChildJob.awaitLog(log2, again, "continuous: watching");
        String text2 = ChildJob.sigterm(again, log2);
        assertTrue(
            text2,
            text2.contains(
                "[load] this run: 7 file versions known to the ledger skipped unread, 1 read,"
                    + " 0 decoded"));
        assertTrue(text2, text2.contains(FINAL + "files seen 8, done 8, pending 0, rejected 0;"));
        assertEquals(rows, WarehouseJobTest.count(c, "SELECT count(*) FROM dwh.data_sample"));
        assertEquals(before, ledgerRow(c, first)); // rows, status, sha, loaded_at unchanged
      }
      assertEquals(0, WarehouseJobTest.verify(in, out, url));
    }
  }

  private static final String FINAL = "[load] final status: ";

  private static final java.util.regex.Pattern STATUS =
      java.util.regex.Pattern.compile(
          "\\[load\\] (status|final status): files seen (\\d+), done (\\d+), pending (\\d+),"
              + " rejected (\\d+); oldest pending (-|\\d+\\.\\d s); ([\\d,]+) rows/s");

  /**
   * The status lines of a run that ended with {@code files} files all loaded: every 10 s one whose
   * counts add up (done + pending + rejected = seen, never more than {@code files}), the last one
   * at the end with nothing pending and no lag.
   */
  private static void assertStatusLines(String log, int files) {
    java.util.regex.Matcher m = STATUS.matcher(log);
    int lines = 0;
    String last = null;
    while (m.find()) {
      lines++;
      long seen = Long.parseLong(m.group(2));
      long sum =
          Long.parseLong(m.group(3)) + Long.parseLong(m.group(4)) + Long.parseLong(m.group(5));
      assertEquals(m.group(), seen, sum);
      assertTrue(m.group(), seen <= files);
      assertEquals(m.group(), "-".equals(m.group(6)), Long.parseLong(m.group(4)) == 0);
      last = m.group();
    }
    assertTrue(log, lines >= 2); // the job ran for more than 10 s
    assertTrue(
        log,
        last != null
            && last.startsWith(
                FINAL
                    + "files seen "
                    + files
                    + ", done "
                    + files
                    + ", pending 0, rejected 0;"
                    + " oldest pending -;"));
  }

  private static String ledgerRow(Connection c, String file) throws Exception {
    try (java.sql.Statement s = c.createStatement();
        java.sql.ResultSet r =
            s.executeQuery(
                "SELECT file_id || ' ' || sha256 || ' ' || rows || ' ' || status || ' '"
                    + " || loaded_at FROM dwh.load_ledger WHERE file_name = '"
                    + file
                    + "'")) {
      r.next();
      return r.getString(1);
    }
  }

  /**
   * Exactly once across {@code kill -9}: a producer writes one file a second, every other one
   * renamed into place and the others written in place slowly (four pieces over more than one
   * poll), all the while the continuous job is killed at {@value #KILLS} random moments (seeded,
   * {@code -Dcrash.seed=N} for another run) and started again. At the end the table holds every
   * file's rows once, {@code verify} finds no difference, and the table and ledger equal a batch
   * load of the same files into another schema, row for row.
   */
  @Test(timeout = 400_000)
  public void killedFiveTimesAndRestartedItEndsExactlyAsABatchLoad() throws Exception {
    Path in = tmp.newFolder("crash-in").toPath();
    Path staging = tmp.newFolder("crash-staging").toPath();
    Path out = tmp.newFolder("crash-out").toPath();
    WarehouseGenerator g = new WarehouseGenerator(47);
    long seed = Long.getLong("crash.seed", 16);
    System.out.println("ContinuousWarehouseTest crash seed: -Dcrash.seed=" + seed);
    java.util.Random random = new java.util.Random(seed);
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger written =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Throwable> producerFailed =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread producer =
        new Thread(
            () -> {
              try {
                long start = System.currentTimeMillis();
                for (int k = 0; !stop.get(); k++) {
                  long wait = start + k * 1_000L - System.currentTimeMillis();
                  if (wait > 0) {
                    Thread.sleep(wait); // a steady rate: file k starts k seconds in
                  }
                  g.write(staging, k, 100);
                  Path src = staging.resolve(WarehouseGenerator.fileName(k));
                  Path dst = in.resolve(src.getFileName());
                  if (k % 2 == 0) {
                    Path tmpName = in.resolve("." + src.getFileName() + ".tmp");
                    Files.move(src, tmpName);
                    Files.move(tmpName, dst, StandardCopyOption.ATOMIC_MOVE);
                  } else {
                    ChildJob.writeSlowly(Files.readAllBytes(src), dst, 4, 400);
                  }
                  written.incrementAndGet();
                }
              } catch (Throwable e) {
                producerFailed.set(e);
              }
            },
            "producer");
    try (EmbeddedPostgres pg =
        EmbeddedPostgres.builder().setDataDirectory(tmp.newFolder("crash-pg").toPath()).start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      producer.start();
      try (Connection c = pg.getPostgresDatabase().getConnection()) {
        for (int kill = 0; kill < KILLS; kill++) {
          Path log = tmp.newFile("crash-" + kill + ".log").toPath();
          Process child = start(in, out, url, log);
          // Killed at a random moment: every other time soon after it loads again (files keep
          // arriving), in a listing, a stability check, a read, a transaction or its commit; the
          // other times during its start, first listing or first stability check.
          long before = loaded(c);
          long delay;
          String when;
          if (kill % 2 == 0) {
            awaitLedger(
                c,
                child,
                log,
                "SELECT count(*) FROM dwh.load_ledger WHERE status = 'loaded'",
                before + 1);
            delay = random.nextInt(2_000);
            when = "after a commit";
          } else {
            delay = 1_000 + random.nextInt(11_000);
            when = "after its start";
          }
          Thread.sleep(delay);
          new ProcessBuilder("kill", "-9", Long.toString(child.pid())).start().waitFor();
          assertTrue(child.waitFor(30, TimeUnit.SECONDS));
          System.out.printf(
              "kill -9 #%d: %d ms %s; %d files loaded before, %d after%n",
              kill + 1, delay, when, before, loaded(c));
          // Whatever committed is whole: every file in the ledger has its rows, once.
          assertEquals(
              WarehouseJobTest.count(c, "SELECT coalesce(sum(rows), 0) FROM dwh.load_ledger"),
              WarehouseJobTest.count(c, "SELECT count(*) FROM dwh.data_sample"));
        }
        stop.set(true);
        producer.join(30_000);
        assertEquals(null, producerFailed.get());
        int total = written.get();
        System.out.printf("%d files written while it was killed %d times%n", total, KILLS);
        Path log = tmp.newFile("crash-last.log").toPath();
        Process child = start(in, out, url, log);
        awaitLedger(
            c, child, log, "SELECT count(*) FROM dwh.load_ledger WHERE status = 'loaded'", total);
        ChildJob.awaitLog(
            log, child, "continuous: watching"); // SIGTERM before the JVM handles it is 143
        String text = ChildJob.sigterm(child, log);
        assertTrue(
            text,
            text.contains(FINAL + "files seen " + total + ", done " + total + ", pending 0,"));
        assertEquals(total, WarehouseJobTest.count(c, "SELECT count(*) FROM dwh.load_ledger"));
        assertEquals(
            (long) total * 100, WarehouseJobTest.count(c, "SELECT count(*) FROM dwh.data_sample"));
        assertEquals(
            0,
            WarehouseJobTest.count(
                c,
                "SELECT count(*) FROM (SELECT load_file_id FROM dwh.data_sample"
                    + " GROUP BY load_file_id HAVING count(*) <> 100) t"));
      }
      assertEquals(0, WarehouseJobTest.verify(in, out, url));
      // The same files loaded in one batch run into another schema: the same rows and ledger.
      WarehouseJobTest.run(
          in,
          tmp.newFolder("crash-batch").toPath(),
          "--jdbcUrl=" + url,
          "--table=batch.data_sample");
      try (Connection c = pg.getPostgresDatabase().getConnection()) {
        assertEquals(
            0,
            WarehouseJobTest.difference(
                c, WarehouseJobTest.DATA_COLUMNS, "data_sample", "dwh", "batch"));
        assertEquals(
            0,
            WarehouseJobTest.difference(
                c, "file_name, size_bytes, sha256, rows, status", "load_ledger", "dwh", "batch"));
      }
    }
  }

  private static final int KILLS = 5;

  private static long loaded(Connection c) {
    try {
      return WarehouseJobTest.count(
          c, "SELECT count(*) FROM dwh.load_ledger WHERE status = 'loaded'");
    } catch (Exception notYet) {
      return 0;
    }
  }

  private static Process start(Path in, Path out, String url, Path log) throws Exception {
    return ChildJob.start(
        log,
        "warehouse",
        "--input=" + in,
        "--output=" + out,
        "--jdbcUrl=" + url,
        "--continuous",
        "--pollSeconds=1");
  }

  private static void awaitLedger(Connection c, Process child, Path log, String sql, long expected)
      throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    long n = -1;
    while (System.currentTimeMillis() < deadline) {
      if (!child.isAlive()) {
        throw new AssertionError("the job ended: " + Files.readString(log));
      }
      try {
        n = WarehouseJobTest.count(c, sql);
      } catch (java.sql.SQLException notYet) {
        n = -1; // the tables are not created yet
      }
      if (n >= expected) {
        return;
      }
      Thread.sleep(100);
    }
    child.destroyForcibly();
    throw new AssertionError(
        "after 120 s "
            + n
            + " instead of "
            + expected
            + " for "
            + sql
            + "\n"
            + Files.readString(log));
  }
}
