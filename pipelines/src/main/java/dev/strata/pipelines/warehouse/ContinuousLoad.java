package dev.strata.pipelines.warehouse;

import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.ContinuousControl;
import dev.strata.pipelines.launcher.JobSpecs;
import dev.strata.transforms.common.Failure;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WatchArrivals;
import dev.strata.transforms.common.WriteRejectFiles;
import dev.strata.transforms.warehouse.FileLoader;
import dev.strata.transforms.warehouse.LoadToPostgres;
import dev.strata.transforms.warehouse.SkipKnownVersions;
import java.io.PrintStream;
import java.sql.Connection;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.ReadableFileCoder;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;

/**
 * {@code warehouse --continuous}: a Beam streaming pipeline that loads every Parquet file as it
 * arrives in {@code --input} ({@link WatchArrivals}: once it has stayed the same for one poll; a
 * changed file again, as a new version) through the same {@link LoadToPostgres} as the batch load,
 * until SIGTERM or Ctrl-C.
 *
 * <p>Exactly once rests on the load ledger, not on the stream: a file version is in the table once
 * whatever the source replays, so a restart (after a crash too) lists every file again and loads
 * only what the ledger does not hold unchanged. File versions the ledger already records (same
 * name, size and modification time, loaded or rejected) are dropped before anything reads them
 * ({@link SkipKnownVersions}), so a restart over a large backlog costs a listing and a few ledger
 * queries; whatever passes is still decided by its checksum. A status line every 10 s and at the
 * end ({@link ContinuousStatus}) says how far the ledger is behind the input. On SIGTERM the job
 * writes its stop marker, the watch stops polling, what is in flight commits, and the process exits
 * 0. Rejected files are written one JSON file per file version to {@code <output>/_rejected/load/},
 * where the batch load writes its rejects.
 */
final class ContinuousLoad {
  private ContinuousLoad() {}

  static void run(
      WarehouseOptions o,
      ResourceId input,
      ResourceId output,
      LoadToPostgres.Target target,
      FileLoader loader,
      PrintStream log)
      throws Exception {
    ContinuousControl control = ContinuousControl.open(output, WarehouseJob.LOAD, log);
    ResourceId rejected = Store.sub(Store.sub(output, "_rejected"), WarehouseJob.LOAD);
    Store.createDirectory(rejected);
    Pipeline p =
        build(o, input, target, control.stopMarker(), WriteRejectFiles.to(Store.str(rejected)));

    log.printf(
        "[%s] continuous: watching %s every %d s (SIGTERM or Ctrl-C stops)%n",
        WarehouseJob.LOAD, Store.str(input), o.getPollSeconds());
    PipelineResult result;
    try (ContinuousStatus status = new ContinuousStatus(input, target, loader, log)) {
      java.util.concurrent.ScheduledExecutorService timer =
          LoadProgress.every(
              "warehouse-status",
              () -> {
                try {
                  status.print("status");
                } catch (java.io.IOException e) {
                  log.printf("[%s] status unavailable: %s%n", WarehouseJob.LOAD, e.getMessage());
                }
              },
              log);
      try {
        result = p.run();
        result.waitUntilFinish();
      } finally {
        timer.shutdownNow();
        timer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
      }
      status.print("final status");
    }
    try (Connection c = Database.connect(target)) {
      long[] all = loader.committedSince(c, new java.sql.Timestamp(0));
      log.printf(
          "[%s] stopped: the ledger holds %,d files loaded (%,d rows), %,d rejected%n",
          WarehouseJob.LOAD, all[0], all[1], all[2]);
    }
    log.printf(
        "[%s] this run: %,d file versions known to the ledger skipped unread, %,d read, %,d"
            + " decoded%n",
        WarehouseJob.LOAD,
        counter(result, SkipKnownVersions.class, SkipKnownVersions.SKIPPED),
        counter(result, LoadToPostgres.class, LoadToPostgres.FILES),
        counter(result, LoadToPostgres.class, LoadToPostgres.DECODED));
  }

  /**
   * The Dataflow job spec's stage name: the streaming load, next to the batch one's {@code load}.
   */
  static final String SPEC_STAGE = WarehouseJob.LOAD + "-continuous";

  /**
   * The streaming pipeline: the arrivals under {@code input} (until {@code stopMarker} exists; for
   * ever if it is null), known versions dropped, the rest loaded into {@code target}; rejects to
   * {@code rejects}.
   */
  static Pipeline build(
      WarehouseOptions o,
      ResourceId input,
      LoadToPostgres.Target target,
      String stopMarker,
      DoFn<Failure, Void> rejects) {
    Duration poll = dev.strata.pipelines.launcher.ContinuousOptions.poll(o);
    o.as(StreamingOptions.class).setStreaming(true);
    Pipeline p = Pipeline.create(o);
    WatchArrivals arrivals = WatchArrivals.every(poll);
    if (stopMarker != null) {
      arrivals = arrivals.stoppingAt(stopMarker);
    }
    PCollectionTuple loaded =
        p.apply("Input", Create.of(Store.str(input) + "/*.parquet"))
            .apply("Arrivals", arrivals)
            .apply("SkipKnownVersions", SkipKnownVersions.in(target))
            .apply("OpenFiles", FileIO.readMatches())
            // Beam's default ReadableFile coder drops the modification time the ledger records.
            .setCoder(ReadableFileCoder.of(MetadataCoderV2.of()))
            .apply("LoadToPostgres", LoadToPostgres.into(target));
    loaded.get(LoadToPostgres.FAILURES).apply("WriteRejected", ParDo.of(rejects));
    return p;
  }

  /**
   * Dataflow spec mode: writes the streaming job's spec as {@code <templateLocation>/}{@value
   * #SPEC_STAGE}{@code .json}, touching no database and neither listing {@code input} nor writing
   * {@code output}. The job has no stop marker: it runs until it is drained or cancelled (a drain
   * stops the listing and lets what is in flight commit). Rejects are written one object per file
   * version under {@code <output>/_rejected/load/} through Beam's file systems ({@code gs://} too).
   */
  static void writeSpec(
      WarehouseOptions o,
      ResourceId input,
      ResourceId output,
      LoadToPostgres.Target target,
      PrintStream log) {
    String rejected = Store.str(Store.sub(Store.sub(output, "_rejected"), WarehouseJob.LOAD));
    Pipeline p = build(o, input, target, null, WriteRejectFiles.to(rejected));
    JobSpecs.writeStreaming(p, SPEC_STAGE, log);
  }

  /** A counter at the end of the run ({@link BeamStage#counter}); -1 if the runner has none. */
  private static long counter(PipelineResult r, Class<?> namespace, String name) {
    try {
      return BeamStage.counter(r.metrics().allMetrics(), namespace, name);
    } catch (UnsupportedOperationException noMetrics) {
      return -1;
    }
  }
}
