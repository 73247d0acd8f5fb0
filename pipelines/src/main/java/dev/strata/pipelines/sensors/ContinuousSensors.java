package dev.strata.pipelines.sensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipelines.launcher.ContinuousControl;
import dev.strata.pipelines.launcher.ContinuousOptions;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WatchArrivals;
import dev.strata.transforms.sensors.ContinuousRuns;
import dev.strata.transforms.sensors.RunLedger;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.Create;
import org.joda.time.Duration;

/**
 * {@code sensors --continuous}: a Beam streaming pipeline that takes every readings file as it
 * arrives in {@code --input} ({@link WatchArrivals}: once it has stayed the same for one poll; a
 * changed file again, as a new version), stages its readings by run, and recomputes each run it
 * touches once no new file has touched that run for {@code --settleSeconds} ({@link
 * ContinuousRuns}), until SIGTERM or Ctrl-C.
 *
 * <p>The outputs are the batch job's datasets, made per run: {@code clean/run-<id>.parquet}, {@code
 * run_sources/run-<id>.parquet}, {@code runs/run_uuid=<id>/} and {@code run_stats/}, each file
 * replaced atomically; a run's files are rewritten only when a file touching it arrives. What
 * survives a crash is on disk ({@link RunLedger}): at start, files that vanished are forgotten,
 * runs whose outputs do not match their files are recomputed, and every file is listed again (a
 * version the ledger holds is not read twice).
 */
final class ContinuousSensors {
  static final String STAGE = "sensors";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ContinuousSensors() {}

  static void run(SensorsOptions o, PrintStream log) throws Exception {
    Duration poll = ContinuousOptions.poll(o);
    if (o.getSettleSeconds() < 0 || o.getSettleSeconds() > 86_400) {
      throw new IllegalArgumentException(
          "--settleSeconds must be in 0..86400, not " + o.getSettleSeconds());
    }
    if (o.getForce()) {
      throw new IllegalArgumentException(
          "--force does not apply to --continuous: to start over, give a new --output");
    }
    ContinuousRuns.Rules rules =
        new ContinuousRuns.Rules(
            SensorsJob.rules(o),
            SensorsJob.spikeDetector(o),
            o.getDropSpikes(),
            SensorsJob.alignSpec(o));
    String glob = glob(o.getInput());
    ResourceId output = Store.dir(o.getOutput());
    if (!Store.isLocal(output)) {
      throw new IllegalArgumentException(
          "--continuous writes its records next to its outputs: --output must be a local"
              + " directory here");
    }
    Path out = Path.of(Store.str(output));
    for (String stage : SensorsJob.STAGES) {
      if (Files.exists(out.resolve(stage).resolve("_manifest.json"))) {
        throw new IllegalArgumentException(
            "--output "
                + out
                + " holds a batch run's output ("
                + stage
                + "/_manifest.json): give --continuous an --output of its own");
      }
    }
    Files.createDirectories(out);
    ContinuousControl control = ContinuousControl.open(output, STAGE, log);
    requireSameOptions(control.folder().resolve("options.json"), o);
    RunLedger ledger = new RunLedger(out).create();
    List<RunLedger.Entry> gone = ledger.tidy();
    TreeSet<String> dirty = ledger.dirtyRuns();
    ledger.publishStats(ledger.runs().values());
    log.printf(
        "[%s] continuous: %,d file versions on record, %,d runs to recompute first%s%n",
        STAGE,
        ledger.entries().size(),
        dirty.size(),
        gone.isEmpty() ? "" : String.format(" (%,d files are gone)", gone.size()));

    o.as(StreamingOptions.class).setStreaming(true);
    Pipeline p = Pipeline.create(o);
    p.apply("Input", Create.of(glob))
        .apply("Arrivals", WatchArrivals.every(poll).stoppingAt(control.stopMarker()))
        .apply(
            "Runs",
            ContinuousRuns.into(ledger, rules, Duration.standardSeconds(o.getSettleSeconds()))
                .recomputing(dirty));
    log.printf(
        "[%s] continuous: watching %s every %d s, runs settle after %d s (SIGTERM or Ctrl-C"
            + " stops)%n",
        STAGE, glob, o.getPollSeconds(), o.getSettleSeconds());
    Status status = new Status(glob, new RunLedger(out), log);
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sensors-status");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleAtFixedRate(status::print, 10, 10, TimeUnit.SECONDS);
    try {
      p.run().waitUntilFinish();
    } finally {
      timer.shutdownNow();
      timer.awaitTermination(5, TimeUnit.SECONDS);
    }
    status.print();
    log.printf("[%s] stopped%n", STAGE);
  }

  /** {@code --input} as a glob: a directory means every file in it. */
  static String glob(String input) {
    String in = input.trim();
    if (in.isEmpty()) {
      throw new IllegalArgumentException("--input is empty: give a directory or a glob");
    }
    if (!in.contains("*") && !in.contains("?") && !in.contains("[")) {
      Path dir = Path.of(in);
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(
            "--input "
                + in
                + " is not a directory: --continuous watches a directory (or a glob such as"
                + " 'dir/*.csv')");
      }
      return dir.toAbsolutePath().normalize() + "/*";
    }
    Path parent = Path.of(in).getParent();
    if (parent != null && !parent.toString().contains("*") && !Files.isDirectory(parent)) {
      throw new IllegalArgumentException("--input " + in + ": no directory " + parent);
    }
    return in;
  }

  /**
   * The records were made with one set of rules: a restart with others would mix them. The first
   * start writes them; a later one with different rules stops with one line.
   */
  private static void requireSameOptions(Path file, SensorsOptions o) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("input", glob(o.getInput()))
        .put("positionBounds", o.getPositionBounds())
        .put("forceBounds", o.getForceBounds())
        .put("dropSpikes", o.getDropSpikes())
        .put("spikeWindow", o.getSpikeWindow())
        .put("spikeThreshold", o.getSpikeThreshold())
        .put("gridStep", o.getGridStep())
        .put("maxGap", o.getMaxGap());
    if (Files.exists(file)) {
      ObjectNode before = (ObjectNode) JSON.readTree(file.toFile());
      if (!before.equals(n)) {
        throw new IllegalArgumentException(
            "--output was made by --continuous with other options ("
                + before
                + "): run with those, or give a new --output");
      }
      return;
    }
    Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
  }

  /** The status line: what is listed, what the ledger holds, what is pending and how late. */
  static final class Status {
    private final String glob;
    private final RunLedger ledger;
    private final PrintStream log;
    private long lastRows = -1;
    private long lastAt = System.nanoTime();

    Status(String glob, RunLedger ledger, PrintStream log) {
      this.glob = glob;
      this.ledger = ledger;
      this.log = log;
    }

    synchronized void print() {
      try {
        log.println(line());
      } catch (IOException | RuntimeException e) {
        log.printf("[%s] status unavailable: %s%n", STAGE, e.getMessage());
      }
    }

    String line() throws IOException {
      List<RunLedger.Entry> all = ledger.entries();
      Map<String, RunLedger.RunRecord> records = ledger.runs();
      Map<String, RunLedger.Entry> entries = new HashMap<>();
      long rows = 0;
      long rejectedFiles = 0;
      for (RunLedger.Entry e : all) {
        entries.put(e.path(), e);
        rows += e.rows();
        if (e.accepted() == 0) {
          rejectedFiles++;
        }
      }
      long seen = 0;
      long done = 0;
      long oldestPending = Long.MAX_VALUE;
      for (MatchResult.Metadata m : FileSystems.match(glob, EmptyMatchTreatment.ALLOW).metadata()) {
        String name = m.resourceId().getFilename();
        if (m.resourceId().isDirectory() || name == null || !WatchArrivals.isCandidate(name)) {
          continue;
        }
        seen++;
        RunLedger.Entry e = entries.get(m.resourceId().toString());
        if (e != null && e.size() == m.sizeBytes() && e.mtime() == m.lastModifiedMillis()) {
          done++;
        } else {
          oldestPending = Math.min(oldestPending, m.lastModifiedMillis());
        }
      }
      TreeSet<String> dirty = RunLedger.dirtyRuns(all, records);
      long now = System.nanoTime();
      double rate = lastRows < 0 ? 0 : (rows - lastRows) / ((now - lastAt) / 1e9);
      lastRows = rows;
      lastAt = now;
      return String.format(
          "[%s] files seen %,d · done %,d · pending %,d · rejected %,d · oldest pending %s · runs"
              + " %,d published, %,d to recompute · %,.0f rows/s",
          STAGE,
          seen,
          done,
          seen - done,
          rejectedFiles,
          oldestPending == Long.MAX_VALUE
              ? "-"
              : String.format("%.1f s", (System.currentTimeMillis() - oldestPending) / 1e3),
          records.size(),
          dirty.size(),
          rate);
    }
  }
}
