package dev.strata.pipelines.sensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipelines.launcher.ContinuousControl;
import dev.strata.pipelines.launcher.ContinuousOptions;
import dev.strata.pipelines.launcher.JobSpecs;
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
import org.apache.beam.sdk.values.PCollectionTuple;
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
 * survives a crash is next to the outputs ({@link RunLedger}, local or on an object store): at
 * start, files that vanished are forgotten, runs whose outputs do not match their files are
 * recomputed, and every file is listed again (a version the ledger holds is not read twice). With
 * {@code --templateLocation} it writes a Dataflow streaming job spec instead of running.
 */
final class ContinuousSensors {
  static final String STAGE = "sensors";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ContinuousSensors() {}

  static void run(SensorsOptions o, PrintStream log) throws Exception {
    ContinuousOptions.poll(o);
    ContinuousOptions.settle(o.getSettleSeconds());
    if (o.getForce()) {
      throw new IllegalArgumentException(
          "--force does not apply to --continuous: to start over, give a new --output");
    }
    String glob = glob(o.getInput());
    ResourceId output = Store.dir(o.getOutput());
    if (JobSpecs.specOnly(o)) {
      writeSpec(o, glob, output, log);
      return;
    }
    for (String stage : SensorsJob.STAGES) {
      if (Store.exists(Store.file(Store.sub(output, stage), "_manifest.json"))) {
        throw new IllegalArgumentException(
            "--output "
                + Store.str(output)
                + " holds a batch run's output ("
                + stage
                + "/_manifest.json): give --continuous an --output of its own");
      }
    }
    ContinuousControl control = ContinuousControl.open(output, STAGE, log);
    RunLedger ledger = new RunLedger(output).create().requireOptions(options(o));
    log.printf(
        "[%s] continuous: %,d file versions on record, %,d runs published%n",
        STAGE, ledger.entries().size(), ledger.runs().size());
    Pipeline p = build(o, glob, output, control.stopMarker());
    log.printf(
        "[%s] continuous: watching %s every %d s, runs settle after %d s (SIGTERM or Ctrl-C"
            + " stops)%n",
        STAGE, glob, o.getPollSeconds(), o.getSettleSeconds());
    Status status = new Status(glob, new RunLedger(output), log);
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

  /** The Dataflow job spec's stage name, next to the batch job's {@code clean} and {@code runs}. */
  static final String SPEC_STAGE = STAGE + "-continuous";

  /**
   * The streaming pipeline: the ledger tidied first ({@link ContinuousRuns#recover}), then the
   * arrivals of {@code glob} (until {@code stopMarker} exists; for ever if it is null), each run
   * they touch recomputed once settled, and the runs found dirty at start.
   */
  static Pipeline build(SensorsOptions o, String glob, ResourceId output, String stopMarker) {
    ContinuousRuns.Rules rules =
        new ContinuousRuns.Rules(
            SensorsJob.rules(o),
            SensorsJob.spikeDetector(o),
            o.getDropSpikes(),
            SensorsJob.alignSpec(o));
    WatchArrivals arrivals = WatchArrivals.every(ContinuousOptions.poll(o));
    if (stopMarker != null) {
      arrivals = arrivals.stoppingAt(stopMarker);
    }
    RunLedger ledger = new RunLedger(output);
    o.as(StreamingOptions.class).setStreaming(true);
    Pipeline p = Pipeline.create(o);
    PCollectionTuple start =
        p.apply("Input", Create.of(glob))
            .apply("Recover", ContinuousRuns.recover(ledger, options(o)));
    start
        .get(ContinuousRuns.WATCH)
        .apply("Arrivals", arrivals)
        .apply(
            "Runs",
            ContinuousRuns.into(ledger, rules, Duration.standardSeconds(o.getSettleSeconds()))
                .recomputing(start.get(ContinuousRuns.DIRTY)));
    return p;
  }

  /**
   * Dataflow spec mode: writes the streaming job's spec as {@code <templateLocation>/}{@value
   * #SPEC_STAGE}{@code .json}, neither listing {@code --input} nor writing {@code --output} (the
   * job does, through Beam's file systems: its ledger and outputs on {@code gs://} are written
   * whole per object). It has no stop marker: it runs until it is drained or cancelled.
   */
  private static void writeSpec(SensorsOptions o, String glob, ResourceId output, PrintStream log) {
    Pipeline p = build(o, glob, output, null);
    JobSpecs.writeStreaming(p, SPEC_STAGE, log);
  }

  /**
   * {@code --input} as a glob: a directory means every file in it. A local directory must exist; an
   * object-store prefix is not checked (it has no directories, and spec mode must not list it).
   */
  static String glob(String input) {
    String in = input.trim();
    if (in.isEmpty()) {
      throw new IllegalArgumentException("--input is empty: give a directory or a glob");
    }
    boolean pattern = in.contains("*") || in.contains("?") || in.contains("[");
    if (in.contains("://") && !in.startsWith("file://")) {
      return pattern ? in : in.replaceAll("/+$", "") + "/*";
    }
    if (!pattern) {
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

  /** The rules the records are made with, as a JSON object ({@link RunLedger#requireOptions}). */
  static String options(SensorsOptions o) {
    ObjectNode n = JSON.createObjectNode();
    n.put("input", glob(o.getInput()))
        .put("positionBounds", o.getPositionBounds())
        .put("forceBounds", o.getForceBounds())
        .put("dropSpikes", o.getDropSpikes())
        .put("spikeWindow", o.getSpikeWindow())
        .put("spikeThreshold", o.getSpikeThreshold())
        .put("gridStep", o.getGridStep())
        .put("maxGap", o.getMaxGap());
    return n.toString();
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
