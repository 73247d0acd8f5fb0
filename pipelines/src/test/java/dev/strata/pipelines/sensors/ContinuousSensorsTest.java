package dev.strata.pipelines.sensors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import dev.strata.pipelines.testing.ChildJob;
import dev.strata.pipelines.testing.Duck;
import dev.strata.pipelines.testing.JobRun;
import dev.strata.pipelines.testing.MemoryObjectStore;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.sensors.RunLedger;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code sensors --continuous} on its default runner (embedded Flink, streaming) in a process of
 * its own, with readings files arriving while it runs (renamed into place, written in place slowly,
 * corrupt), killed with {@code kill -9} and started again, then stopped with SIGTERM: every output
 * dataset equals the batch job's over the same files (DuckDB {@code EXCEPT ALL} both ways), and a
 * file touching one run rewrites that run's files only.
 */
public class ContinuousSensorsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final String HEADER = ",time,value,field,cell_id,robot_id,run_uuid,sensor_type";

  /** The sample's rows, header excluded. */
  static List<String> sampleRows() throws Exception {
    List<String> lines = Files.readAllLines(SensorsJobTest.SAMPLE, StandardCharsets.UTF_8);
    return new ArrayList<>(lines.subList(1, lines.size()));
  }

  /** Row i of the sample goes to piece i % n: every piece touches every run. */
  static List<String> pieces(List<String> rows, int n) {
    List<StringBuilder> b = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      b.add(new StringBuilder(HEADER).append('\n'));
    }
    for (int i = 0; i < rows.size(); i++) {
      b.get(i % n).append(rows.get(i)).append('\n');
    }
    List<String> out = new ArrayList<>();
    for (StringBuilder s : b) {
      out.add(s.toString());
    }
    return out;
  }

  static void renameIntoPlace(Path staging, Path in, String name, String content) throws Exception {
    Path t = staging.resolve(name);
    Files.writeString(t, content);
    Files.move(t, in.resolve(name), StandardCopyOption.ATOMIC_MOVE);
  }

  static void writeSlowly(Path file, String content, int parts, long pauseMs) throws Exception {
    ChildJob.writeSlowly(content.getBytes(StandardCharsets.UTF_8), file, parts, pauseMs);
  }

  @Test(timeout = 300_000)
  public void runsAppearAsFilesArriveAndAFileRewritesOnlyTheRunsItTouches() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Path staging = tmp.newFolder("staging").toPath();
    Path out = tmp.newFolder("out").toPath();
    List<String> rows = sampleRows();
    List<String> parts = pieces(rows, 4);
    for (int k = 0; k < 3; k++) {
      Files.writeString(in.resolve("part-" + k + ".csv"), parts.get(k)); // there at the start
    }
    Path log = tmp.newFile("child.log").toPath();
    Process child = start(in, out, log);
    try {
      awaitSettled(in, out, child, log, 4);
      renameIntoPlace(staging, in, "part-3.csv", parts.get(3));
      awaitSettled(in, out, child, log, 4);
      Map<String, FileTime> before = runFiles(out);
      assertEquals(before.toString(), 4, before.size());
      // One run only, new: the four published runs' files stay as they are.
      StringBuilder newRun = new StringBuilder(HEADER).append('\n');
      for (String r : rows) {
        if (r.contains(",8910095844186657261,")) {
          newRun.append(r.replace(",8910095844186657261,", ",4242,")).append('\n');
        }
      }
      writeSlowly(in.resolve("new-run.csv"), newRun.toString(), 8, 300);
      // Not Parquet after all, and a name that is never read.
      Files.writeString(in.resolve("broken.parquet"), "PAR1 this is not a parquet file");
      Files.writeString(in.resolve(".hidden.csv"), parts.get(0));
      awaitSettled(in, out, child, log, 5);
      Map<String, FileTime> after = runFiles(out);
      for (Map.Entry<String, FileTime> e : before.entrySet()) {
        assertEquals("run " + e.getKey() + " was not touched", e.getValue(), after.get(e.getKey()));
      }
      assertTrue(after.containsKey("4242"));
      ChildJob.awaitLog(log, child, "files seen 6 · done 6 · pending 0 · rejected 1");
    } finally {
      stop(child, log);
    }
    Files.delete(in.resolve(".hidden.csv"));
    assertSameAsBatch(in, out);
    String rejects = rejects(out.resolve("_rejected/clean"));
    assertTrue(rejects, rejects.contains("broken.parquet") && rejects.contains("unreadable_file"));
  }

  /**
   * Exactly once across {@code kill -9}: a producer writes pieces of the sample at a steady rate,
   * half renamed into place and half written in place slowly, one rewritten with other contents;
   * the job is killed at random moments five times and started again; in the end every dataset
   * equals the batch job's over the same files.
   */
  @Test(timeout = 600_000)
  public void killedFiveTimesAndRestartedItEndsAsTheBatchJob() throws Exception {
    Path in = tmp.newFolder("crash-in").toPath();
    Path staging = tmp.newFolder("crash-staging").toPath();
    Path out = tmp.newFolder("crash-out").toPath();
    List<String> rows = sampleRows();
    List<String> parts = pieces(rows, 12);
    Thread producer =
        new Thread(
            () -> {
              try {
                for (int k = 0; k < parts.size(); k++) {
                  String name = "piece-" + k + ".csv";
                  if (k % 2 == 0) {
                    renameIntoPlace(staging, in, name, parts.get(k));
                  } else {
                    writeSlowly(in.resolve(name), parts.get(k), 4, 400);
                  }
                  Thread.sleep(700);
                }
                // a file changes after it was processed: its runs are recomputed without its
                // old rows
                renameIntoPlace(staging, in, "piece-0.csv", parts.get(0).substring(0, 20_000));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    long seed = 16;
    Random random = new Random(seed);
    producer.start();
    for (int kill = 0; kill < 5; kill++) {
      Path log = tmp.newFile("crash-" + kill + ".log").toPath();
      Process child = start(in, out, log);
      ChildJob.awaitLog(log, child, "continuous: watching");
      Thread.sleep(1_000 + random.nextInt(6_000));
      new ProcessBuilder("kill", "-9", Long.toString(child.pid())).start().waitFor();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    producer.join(120_000);
    Path log = tmp.newFile("crash-last.log").toPath();
    Process child = start(in, out, log);
    try {
      awaitSettled(in, out, child, log, 4);
    } finally {
      stop(child, log);
    }
    assertSameAsBatch(in, out);
  }

  /**
   * On an object store ({@code mem://}: no folders, no renames, an object visible when closed), in
   * this JVM on embedded Flink: files arrive and their runs are published. Then, while it is
   * stopped, an input object is deleted, a run record is lost and an orphan blob is left (what a
   * crash between two steps leaves); the restart recovers, and every dataset equals the batch job's
   * over the remaining objects.
   */
  @Test(timeout = 300_000)
  public void onAnObjectStoreItPublishesAndRecoversLikeOnADisk() throws Exception {
    String bucket = "mem://sensors-continuous-" + System.nanoTime() + "/";
    String in = bucket + "in/";
    String out = bucket + "out/";
    ExecutorService jobs = Executors.newSingleThreadExecutor();
    try {
      List<String> parts = pieces(sampleRows(), 4);
      for (int k = 0; k < 3; k++) {
        MemoryObjectStore.put(in + "part-" + k + ".csv", bytes(parts.get(k)));
      }
      Future<JobRun.Result> job = jobs.submit(() -> startInProcess(in, out));
      awaitSettled(in, out, job, 3, 4);
      MemoryObjectStore.put(in + "part-3.csv", bytes(parts.get(3)));
      awaitSettled(in, out, job, 4, 4);
      stopInProcess(job, out);

      MemoryObjectStore.clear(in + "part-0.csv");
      RunLedger ledger = new RunLedger(Store.dir(out));
      String lost = ledger.runs().keySet().iterator().next();
      MemoryObjectStore.clear(out + "_continuous/runs/" + RunLedger.key(lost) + ".bin");
      String orphan = out + "_continuous/staged/orphan-000000000000.bin";
      MemoryObjectStore.put(orphan, new byte[] {1, 2, 3});
      job = jobs.submit(() -> startInProcess(in, out));
      awaitSettled(in, out, job, 3, 4);
      stopInProcess(job, out);
      assertNull("the orphan blob was not removed", MemoryObjectStore.get(orphan));

      JobRun.ok(
          JobRun.args(
              "sensors",
              List.of("--input=" + in + "*", "--output=" + bucket + "batch/"),
              JobRun.DIRECT));
      Path local = tmp.newFolder("from-bucket").toPath();
      assertSameDatasets(
          MemoryObjectStore.download(out, local.resolve("continuous")),
          MemoryObjectStore.download(bucket + "batch/", local.resolve("batch")));
    } finally {
      jobs.shutdownNow();
      MemoryObjectStore.clear(bucket);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static JobRun.Result startInProcess(String in, String out) throws Exception {
    return JobRun.cli(
        "sensors",
        "--input=" + in,
        "--output=" + out,
        "--continuous",
        "--pollSeconds=1",
        "--settleSeconds=1");
  }

  /** Stops an in-process job by its stop marker, as SIGTERM does, and expects exit code 0. */
  private static void stopInProcess(Future<JobRun.Result> job, String out) throws Exception {
    MemoryObjectStore.put(out + "_continuous/stop", bytes("stop\n"));
    JobRun.Result r = job.get(120, TimeUnit.SECONDS);
    assertEquals(r.log(), 0, r.code());
    assertTrue(r.log(), r.log().contains("[sensors] stopped"));
  }

  /**
   * Waits until {@code files} input objects are on record at their current size and mtime, no run
   * is waiting to be recomputed, and {@code runs} runs are published.
   */
  private static void awaitSettled(
      String in, String out, Future<JobRun.Result> job, int files, int runs) throws Exception {
    long deadline = System.currentTimeMillis() + 150_000;
    String state = "";
    while (System.currentTimeMillis() < deadline) {
      if (job.isDone()) {
        throw new AssertionError("the job ended: " + job.get().log());
      }
      RunLedger ledger = new RunLedger(Store.dir(out));
      int current = 0;
      for (RunLedger.Entry e : ledger.entries()) {
        MatchResult.Metadata m = Store.stat(FileSystems.matchNewResource(e.path(), false));
        if (m != null && m.sizeBytes() == e.size() && m.lastModifiedMillis() == e.mtime()) {
          current++;
        }
      }
      int published = 0;
      for (RunLedger.RunRecord r : ledger.runs().values()) {
        published += r.stats() == null ? 0 : 1;
      }
      int inputs = MemoryObjectStore.names(in).size();
      state = current + " of " + inputs + " files on record, " + published + " runs published";
      if (inputs == files
          && current == files
          && ledger.entries().size() == files
          && ledger.dirtyRuns().isEmpty()
          && published == runs
          && MemoryObjectStore.get(out + "run_stats/" + RunLedger.PART_FILE) != null) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not settled after 150 s: " + state);
  }

  // ------------------------------------------------------------------ helpers

  private static Process start(Path in, Path out, Path log) throws Exception {
    return ChildJob.start(
        log,
        "sensors",
        "--input=" + in,
        "--output=" + out,
        "--continuous",
        "--pollSeconds=1",
        "--settleSeconds=2");
  }

  private static void stop(Process child, Path log) throws Exception {
    if (!child.isAlive()) {
      throw new AssertionError("the job ended: " + Files.readString(log));
    }
    ChildJob.awaitLog(
        log, child, "continuous: watching"); // SIGTERM before the JVM handles it is 143
    String text = ChildJob.sigterm(child, log);
    assertTrue(text, text.contains("[sensors] stopped"));
  }

  /**
   * Waits until every candidate file in {@code in} is on record at its current size and mtime, no
   * run is waiting to be recomputed, and {@code runs} runs are published.
   */
  private static void awaitSettled(Path in, Path out, Process child, Path log, int runs)
      throws Exception {
    long deadline = System.currentTimeMillis() + 150_000;
    String state = "";
    while (System.currentTimeMillis() < deadline) {
      if (!child.isAlive()) {
        throw new AssertionError("the job ended: " + Files.readString(log));
      }
      if (Files.isDirectory(out.resolve("_continuous/files"))) {
        RunLedger ledger = new RunLedger(out);
        Map<String, RunLedger.Entry> entries = new TreeMap<>();
        for (RunLedger.Entry e : ledger.entries()) {
          entries.put(e.path(), e);
        }
        boolean all = true;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(in)) {
          for (Path f : ds) {
            String n = f.getFileName().toString();
            if (n.startsWith(".") || n.startsWith("_")) {
              continue;
            }
            RunLedger.Entry e = entries.get(f.toString());
            all &=
                e != null
                    && e.size() == Files.size(f)
                    && e.mtime() == Files.getLastModifiedTime(f).toMillis();
          }
        }
        int published = runFiles(out).size();
        state = "all files on record: " + all + ", published " + published;
        if (all && ledger.dirtyRuns().isEmpty() && published == runs) {
          return;
        }
      }
      Thread.sleep(200);
    }
    child.destroyForcibly();
    throw new AssertionError("not settled after 150 s (" + state + "):\n" + Files.readString(log));
  }

  /** Each published run's table file and its modification time. */
  private static Map<String, FileTime> runFiles(Path out) throws Exception {
    Map<String, FileTime> m = new TreeMap<>();
    Path runs = out.resolve("runs");
    if (!Files.isDirectory(runs)) {
      return m;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(runs, "run_uuid=*")) {
      for (Path d : ds) {
        Path f = d.resolve(RunLedger.PART_FILE);
        if (Files.exists(f)) {
          m.put(
              d.getFileName().toString().substring("run_uuid=".length()),
              Files.getLastModifiedTime(f));
        }
      }
    }
    return m;
  }

  private static String rejects(Path dir) throws Exception {
    StringBuilder b = new StringBuilder();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        b.append(f.getFileName()).append(": ").append(Files.readString(f));
      }
    }
    return b.toString();
  }

  /** Every dataset equals the batch job's over the same files, row for row. */
  private void assertSameAsBatch(Path in, Path out) throws Exception {
    Path batch = tmp.newFolder().toPath();
    JobRun.direct(SensorsJob::run, SensorsOptions.class, in + "/*", batch);
    assertSameDatasets(out, batch);
  }

  /** Every dataset of {@code out} equals {@code batch}'s, row for row, and none is empty. */
  private static void assertSameDatasets(Path out, Path batch) throws Exception {
    try (Duck duck = Duck.open()) {
      for (String[] t :
          new String[][] {
            {SensorsJobTest.clean(out), SensorsJobTest.clean(batch)},
            {SensorsJobTest.runs(out), SensorsJobTest.runs(batch)},
            {SensorsJobTest.stats(out), SensorsJobTest.stats(batch)},
            {SensorsJobTest.sources(out), SensorsJobTest.sources(batch)}
          }) {
        long n = duck.scalar("SELECT count(*) FROM " + t[1]);
        assertTrue(t[1] + " is empty", n > 0);
        assertEquals(t[0], n, duck.scalar("SELECT count(*) FROM " + t[0]));
        assertEquals(t[0], 0, duck.difference(t[0], t[1]));
        assertEquals(t[0], 0, duck.difference(t[1], t[0]));
      }
    }
  }
}
