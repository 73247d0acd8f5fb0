package dev.strata.pipelines.warehouse;

import dev.strata.transforms.warehouse.FileLoader;
import dev.strata.transforms.warehouse.LoadToPostgres;
import java.io.PrintStream;
import java.sql.Connection;

/**
 * The progress line: every {@link #EVERY_SECONDS} s, what the ledger says was committed since the
 * load began (files, rows, rows/s, and an ETA from the files listed). It asks the database, so it
 * counts only committed work and works on any runner.
 */
final class LoadProgress implements AutoCloseable {
  static final int EVERY_SECONDS = 10;
  private final java.util.concurrent.ScheduledExecutorService timer;
  private final Connection connection;

  LoadProgress(LoadToPostgres.Target target, FileLoader loader, int listed, PrintStream log)
      throws Exception {
    connection = Database.connect(target);
    java.sql.Timestamp since;
    try (java.sql.Statement s = connection.createStatement();
        java.sql.ResultSet r = s.executeQuery("SELECT now()::timestamptz")) {
      r.next();
      since = r.getTimestamp(1);
    }
    // Files the ledger already holds loaded are mostly unchanged and never touch it again: the
    // work ahead is about the rest (a changed file among them makes it a little more).
    long known = loader.committedSince(connection, new java.sql.Timestamp(0))[0];
    long toLoad = Math.max(1, listed - known);
    long start = System.nanoTime();
    timer =
        every(
            "warehouse-progress",
            () -> {
              long[] done = loader.committedSince(connection, since);
              double secs = (System.nanoTime() - start) / 1e9;
              long files = done[0] + done[2];
              String eta =
                  files == 0 || files >= toLoad
                      ? "-"
                      : String.format("%.0f s", (toLoad - files) * secs / files);
              log.printf(
                  "[%s] %,d of %s%,d files committed (%,d rejected), %,d rows, %,.0f rows/s,"
                      + " ETA %s%n",
                  WarehouseJob.LOAD,
                  files,
                  known > 0 ? "~" : "",
                  toLoad,
                  done[2],
                  done[1],
                  done[1] / secs,
                  eta);
            },
            log);
  }

  /**
   * Runs {@code line} every {@link #EVERY_SECONDS} s on a daemon thread of its own; a failed query
   * prints one line instead. Shut the returned executor down to stop.
   */
  static java.util.concurrent.ScheduledExecutorService every(
      String threadName, SqlLine line, PrintStream log) {
    java.util.concurrent.ScheduledExecutorService timer =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    timer.scheduleAtFixedRate(
        () -> {
          try {
            line.print();
          } catch (java.sql.SQLException e) {
            log.printf("[%s] progress unavailable: %s%n", WarehouseJob.LOAD, e.getMessage());
          }
        },
        EVERY_SECONDS,
        EVERY_SECONDS,
        java.util.concurrent.TimeUnit.SECONDS);
    return timer;
  }

  /** One status line, from queries that may fail. */
  interface SqlLine {
    void print() throws java.sql.SQLException;
  }

  @Override
  public void close() throws Exception {
    timer.shutdownNow();
    timer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    connection.close();
  }
}
