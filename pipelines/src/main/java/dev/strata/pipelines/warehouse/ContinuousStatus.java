package dev.strata.pipelines.warehouse;

import dev.strata.transforms.common.WatchArrivals;
import dev.strata.transforms.warehouse.FileLoader;
import dev.strata.transforms.warehouse.LoadToPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The status line of {@code warehouse --continuous}, every {@link LoadProgress#EVERY_SECONDS} s and
 * once more at the end, from one listing of the input and one ledger query (only committed work
 * counts, on any runner):
 *
 * <pre>
 * [load] status: files seen 120, done 117, pending 2, rejected 1; oldest pending 3.2 s; 4,560 rows/s
 * </pre>
 *
 * <p>seen: files listed that may be read ({@link WatchArrivals#isCandidate}); done and rejected:
 * those whose ledger row is this version (name, size, modification time) with status loaded or
 * rejected; pending: the rest; oldest pending: now minus the oldest modification time among them;
 * rows/s: rows of the file versions committed since the previous line, over the time between the
 * two lines.
 */
final class ContinuousStatus implements AutoCloseable {
  private final String glob;
  private final FileLoader loader;
  private final Connection connection;
  private final PrintStream log;
  private Map<String, String> committedAt; // file name -> loaded_at, at the previous line
  private long lastNanos;

  ContinuousStatus(
      ResourceId input, LoadToPostgres.Target target, FileLoader loader, PrintStream log)
      throws Exception {
    this.glob = dev.strata.transforms.common.Store.str(input) + "/*.parquet";
    this.loader = loader;
    this.log = log;
    this.connection = Database.connect(target);
    this.committedAt = loadedAt(loader.versions(connection));
    this.lastNanos = System.nanoTime();
  }

  /** Counts of one line. */
  record Counts(long seen, long done, long pending, long rejected, long oldestPendingMillis) {}

  /** seen, done, pending, rejected and the oldest pending modification time (-1: none). */
  static Counts count(List<Metadata> listed, Map<String, FileLoader.Version> ledger) {
    long seen = 0;
    long done = 0;
    long rejected = 0;
    long oldest = Long.MAX_VALUE;
    for (Metadata m : listed) {
      ResourceId id = m.resourceId();
      if (id.isDirectory()
          || id.getFilename() == null
          || !WatchArrivals.isCandidate(id.getFilename())) {
        continue;
      }
      seen++;
      FileLoader.Version v = ledger.get(id.getFilename());
      boolean same = v != null && v.size() == m.sizeBytes() && v.mtime() == m.lastModifiedMillis();
      if (same && "loaded".equals(v.status())) {
        done++;
      } else if (same && "rejected".equals(v.status())) {
        rejected++;
      } else {
        oldest = Math.min(oldest, m.lastModifiedMillis());
      }
    }
    return new Counts(
        seen, done, seen - done - rejected, rejected, oldest == Long.MAX_VALUE ? -1 : oldest);
  }

  /** Prints one line, {@code [load] <what>: ...}. */
  synchronized void print(String what) throws SQLException, IOException {
    List<Metadata> listed = FileSystems.match(glob, EmptyMatchTreatment.ALLOW).metadata();
    long now = System.currentTimeMillis();
    Map<String, FileLoader.Version> ledger = loader.versions(connection);
    long nanos = System.nanoTime();
    long rows = 0;
    for (Map.Entry<String, FileLoader.Version> e : ledger.entrySet()) {
      FileLoader.Version v = e.getValue();
      if ("loaded".equals(v.status()) && !v.loadedAt().equals(committedAt.get(e.getKey()))) {
        rows += v.rows();
      }
    }
    double secs = Math.max(1e-3, (nanos - lastNanos) / 1e9);
    committedAt = loadedAt(ledger);
    lastNanos = nanos;
    Counts c = count(listed, ledger);
    log.printf(
        "[%s] %s: files seen %,d, done %,d, pending %,d, rejected %,d; oldest pending %s;"
            + " %,.0f rows/s%n",
        WarehouseJob.LOAD,
        what,
        c.seen(),
        c.done(),
        c.pending(),
        c.rejected(),
        c.oldestPendingMillis() < 0
            ? "-"
            : String.format("%.1f s", Math.max(0, now - c.oldestPendingMillis()) / 1e3),
        rows / secs);
  }

  private static Map<String, String> loadedAt(Map<String, FileLoader.Version> ledger) {
    Map<String, String> m = new HashMap<>(ledger.size() * 2);
    ledger.forEach((k, v) -> m.put(k, v.loadedAt()));
    return m;
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
