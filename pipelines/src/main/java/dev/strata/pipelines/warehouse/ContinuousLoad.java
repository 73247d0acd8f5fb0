package dev.strata.pipelines.warehouse;

import dev.strata.pipelines.launcher.Store;
import dev.strata.transforms.common.Failure;
import dev.strata.transforms.common.WatchArrivals;
import dev.strata.transforms.warehouse.FileLoader;
import dev.strata.transforms.warehouse.LoadToPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;
import sun.misc.Signal;

/**
 * {@code warehouse --continuous}: a Beam streaming pipeline that loads every Parquet file as it
 * arrives in {@code --input} ({@link WatchArrivals}: once it has stayed the same for one poll; a
 * changed file again, as a new version) through the same {@link LoadToPostgres} as the batch load,
 * until SIGTERM or Ctrl-C.
 *
 * <p>Exactly once rests on the load ledger, not on the stream: a file version is in the table once
 * whatever the source replays, so a restart (after a crash too) lists every file again and loads
 * only what the ledger does not hold unchanged. On SIGTERM the job writes its stop marker, the
 * watch stops polling, what is in flight commits, and the process exits 0. Rejected files are
 * written one JSON file per file version to {@code <output>/_rejected/load/}, where the batch load
 * writes its rejects.
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
    if (!Store.isLocal(output)) {
      throw new IllegalArgumentException(
          "--continuous keeps its stop marker in --output, which must be a local directory here");
    }
    Path out = Path.of(Store.str(output));
    Path control = Files.createDirectories(out.resolve("_continuous"));
    Path marker = control.resolve("stop");
    Files.deleteIfExists(marker);
    // From here on a stop is a marker the watch sees, whenever it comes: before the first listing
    // too (then the pipeline starts, sees it and ends).
    AtomicBoolean stopAsked = new AtomicBoolean();
    Runnable stop =
        () -> {
          if (stopAsked.compareAndSet(false, true)) {
            log.printf(
                "[%s] stopping: no new listings; what is in flight commits%n", WarehouseJob.LOAD);
            try {
              Files.writeString(marker, "stop\n");
            } catch (IOException e) {
              log.printf("[%s] cannot write %s: %s%n", WarehouseJob.LOAD, marker, e.getMessage());
            }
          }
        };
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), sig -> stop.run());
    }
    Path rejected = Files.createDirectories(out.resolve("_rejected").resolve(WarehouseJob.LOAD));
    Duration poll = Duration.standardSeconds(o.getPollSeconds());

    o.as(StreamingOptions.class).setStreaming(true);
    Pipeline p = Pipeline.create(o);
    PCollectionTuple loaded =
        p.apply("Input", Create.of(Store.str(input) + "/*.parquet"))
            .apply("Arrivals", WatchArrivals.every(poll).stoppingAt(marker.toString()))
            .apply("OpenFiles", FileIO.readMatches())
            .apply("LoadToPostgres", LoadToPostgres.into(target));
    loaded
        .get(LoadToPostgres.FAILURES)
        .apply("WriteRejected", ParDo.of(new WriteRejectFiles(rejected.toString())));

    log.printf(
        "[%s] continuous: watching %s every %d s (SIGTERM or Ctrl-C stops)%n",
        WarehouseJob.LOAD, Store.str(input), o.getPollSeconds());
    try (Status status = new Status(target, loader, log)) {
      p.run().waitUntilFinish();
    }
    try (Connection c = Database.connect(target)) {
      long[] all = loader.committedSince(c, new java.sql.Timestamp(0));
      log.printf(
          "[%s] stopped: the ledger holds %,d files loaded (%,d rows), %,d rejected%n",
          WarehouseJob.LOAD, all[0], all[1], all[2]);
    }
  }

  /** A line every {@link LoadProgress#EVERY_SECONDS} s: what the ledger holds by now. */
  private static final class Status implements AutoCloseable {
    private final java.util.concurrent.ScheduledExecutorService timer;
    private final Connection connection;

    Status(LoadToPostgres.Target target, FileLoader loader, PrintStream log) throws Exception {
      connection = Database.connect(target);
      long start = System.nanoTime();
      long[] before = loader.committedSince(connection, new java.sql.Timestamp(0));
      timer =
          LoadProgress.every(
              "warehouse-status",
              () -> {
                long[] now = loader.committedSince(connection, new java.sql.Timestamp(0));
                double secs = (System.nanoTime() - start) / 1e9;
                log.printf(
                    "[%s] continuous: %,d files loaded (%,d rows), %,d rejected; %,.0f rows/s"
                        + " since start%n",
                    WarehouseJob.LOAD, now[0], now[1], now[2], (now[1] - before[1]) / secs);
              },
              log);
    }

    @Override
    public void close() throws Exception {
      timer.shutdownNow();
      timer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
      connection.close();
    }
  }

  /**
   * One JSON file per rejected file version, written to a temporary name and renamed: the same
   * reject written twice (a replay) is the same file, so rejects stay exact on unbounded input,
   * where {@code WriteFailures}' {@code TextIO} cannot write.
   */
  static final class WriteRejectFiles extends DoFn<Failure, Void> {
    private final String dir;

    WriteRejectFiles(String dir) {
      this.dir = dir;
    }

    @ProcessElement
    public void process(@Element Failure f) throws IOException {
      String source = f.source() == null ? "unknown" : f.source();
      String name =
          source.substring(source.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
      String id =
          Integer.toHexString(f.toJson().hashCode()) + "-" + Integer.toHexString(source.hashCode());
      Path target = Path.of(dir, name + "." + id + ".json");
      Path tmp = Path.of(dir, "." + name + "." + id + ".json.tmp");
      Files.writeString(tmp, f.toJson() + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }
}
