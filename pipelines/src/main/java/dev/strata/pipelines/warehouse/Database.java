package dev.strata.pipelines.warehouse;

import dev.strata.transforms.common.Store;
import dev.strata.transforms.warehouse.LoadToPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Properties;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The PostgreSQL a command works on: the server of {@code --jdbcUrl} (as {@code --user}, with
 * {@code --password} or {@code PGPASSWORD}), or else an embedded one started on {@link #pgData},
 * stopped on close.
 */
record Database(EmbeddedPostgres embedded, LoadToPostgres.Target target) implements AutoCloseable {
  /** Opens it; {@code log}, if given, hears where an embedded one runs. */
  static Database open(WarehouseOptions o, PrintStream log) throws java.io.IOException {
    String url = o.getJdbcUrl();
    if (url != null && !url.isBlank()) {
      String password = o.getPassword() != null ? o.getPassword() : System.getenv("PGPASSWORD");
      return new Database(
          null, new LoadToPostgres.Target(url, o.getUser(), password, o.getTable()));
    }
    Path data = pgData(o);
    Files.createDirectories(data);
    EmbeddedPostgres embedded = startEmbedded(data);
    url = embedded.getJdbcUrl("postgres", "postgres");
    if (log != null) {
      log.printf("[%s] embedded PostgreSQL on %s (data in %s)%n", WarehouseJob.LOAD, url, data);
    }
    return new Database(embedded, new LoadToPostgres.Target(url, "postgres", null, o.getTable()));
  }

  @Override
  public void close() throws java.io.IOException {
    if (embedded != null) {
      embedded.close();
    }
  }

  /**
   * Where the embedded PostgreSQL keeps its data: {@code --pgData}, else {@code <output>/pgdata},
   * which must then be a local directory.
   */
  static Path pgData(WarehouseOptions o) {
    if (o.getPgData() != null) {
      return Path.of(o.getPgData());
    }
    ResourceId output = Store.dir(o.getOutput());
    if (!Store.isLocal(output)) {
      throw new IllegalArgumentException(
          "--output "
              + o.getOutput()
              + " is not a local directory, so the embedded PostgreSQL cannot keep its data"
              + " there: give --pgData=DIR, or --jdbcUrl of a PostgreSQL server");
    }
    return Store.local(Store.sub(output, "pgdata"));
  }

  /**
   * Starts (or restarts, keeping its data) the embedded PostgreSQL in {@code data}. Commits are
   * durable ({@code synchronous_commit=on}; zonky's default is off), so a load that reported a file
   * loaded keeps it through a power cut; {@code max_wal_size} is raised so that a bulk load of a
   * few GB is not interrupted by a checkpoint every GB of WAL.
   */
  static EmbeddedPostgres startEmbedded(Path data) throws java.io.IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("max_wal_size", "4GB")
        .start();
  }

  static Connection connect(LoadToPostgres.Target t) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", t.user());
    if (t.password() != null) {
      p.setProperty("password", t.password());
    }
    return DriverManager.getConnection(t.jdbcUrl(), p);
  }
}
