package dev.strata.pipelines;

import dev.strata.pipelines.options.WarehouseOptions;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.warehouse.FileLoader;
import dev.strata.transforms.warehouse.LoadToPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * The warehouse job: every Parquet file of {@code --input} into PostgreSQL, exactly once per file
 * version ({@link LoadToPostgres}, {@link FileLoader}), files in parallel over several connections,
 * the index built after the bulk load. Without {@code --jdbcUrl} an embedded real PostgreSQL
 * (zonky) is started with its data in {@code --pgData}, kept between runs.
 *
 * <p>The stage never skips as a whole: the ledger decides per file, so a rerun costs a checksum per
 * file and loads only new or changed files.
 */
public final class WarehousePipeline {
  public static final String LOAD = "load";

  private WarehousePipeline() {}

  public static Map<String, StageRunner.Outcome> run(WarehouseOptions o, PrintStream log)
      throws Exception {
    FileSystems.setDefaultPipelineOptions(o);
    ResourceId input = Store.dir(o.getInput());
    ResourceId output = Store.dir(o.getOutput());
    if (JobSpecs.specOnly(o)) {
      return writeSpec(o, input, output, log);
    }
    if (Store.isLocal(input) && !Files.isDirectory(Store.local(input))) {
      throw new IllegalArgumentException("--input " + o.getInput() + " is not a directory");
    }
    Store.createDirectory(output);
    try (Database db = Database.open(o, log)) {
      LoadToPostgres.Target target = db.target();
      FileLoader loader = new FileLoader(o.getTable());
      try (Connection c = connect(target)) {
        loader.createTables(c);
        if (o.getReplaceFrom() != null || o.getReplaceTo() != null) {
          if (o.getReplaceFrom() == null || o.getReplaceTo() == null) {
            throw new IllegalArgumentException("--replaceFrom and --replaceTo go together");
          }
          int n =
              loader.forgetRange(
                  c,
                  java.time.LocalDateTime.parse(o.getReplaceFrom()),
                  java.time.LocalDateTime.parse(o.getReplaceTo()));
          log.printf(
              "[%s] backfill %s .. %s: %,d files forgotten, reloading them%n",
              LOAD, o.getReplaceFrom(), o.getReplaceTo(), n);
        }
      }
      List<MatchResult.Metadata> files = Store.list(input, ".parquet");
      if (files.isEmpty() && !Store.isLocal(input)) {
        // a bucket has no directories to check: a mistyped prefix would load nothing,
        // "successfully"
        throw new IllegalArgumentException("--input " + o.getInput() + " holds no .parquet files");
      }
      Map<String, String> stageOptions = new TreeMap<>();
      stageOptions.put("input", Store.str(input));
      stageOptions.put("target", target.toString());
      StageRunner runner = new StageRunner(output, true, log);
      long t0 = System.nanoTime();
      Progress progress = new Progress(target, loader, files.size(), log);
      StageRunner.Outcome outcome;
      try (progress) {
        outcome =
            runner.run(
                LOAD,
                files,
                stageOptions,
                (dataDir, rejectedDir) -> {
                  Pipeline p = Pipeline.create(o);
                  buildLoad(p, input, target, Store.str(rejectedDir));
                  MetricQueryResults m = MarketPipeline.runToCompletion(p, LOAD);
                  StageRunner.Counts c = new StageRunner.Counts();
                  c.runner = o.getRunner().getSimpleName();
                  // Accounting is per file: every file is loaded, unchanged or rejected.
                  c.rowsIn = MarketPipeline.counter(m, "LoadToPostgres", "files");
                  c.rowsRejected = MarketPipeline.countRejected(rejectedDir, c.rejectedByReason);
                  c.rowsOut = c.rowsIn - c.rowsRejected;
                  for (String n :
                      new String[] {"loaded", "replaced", "unchanged", "rejected", "rows"}) {
                    c.counters.put(n, MarketPipeline.counter(m, "LoadToPostgres", n));
                  }
                  if (c.rowsIn != files.size()) {
                    throw new IllegalStateException(
                        "listed " + files.size() + " files but processed " + c.rowsIn);
                  }
                  return c;
                });
      }
      try (Connection c = connect(target)) {
        loader.indexAndAnalyze(c);
        if (o.getRole() != null) {
          try (java.sql.Statement st = c.createStatement()) {
            st.execute(loader.roleSql(o.getRole(), o.getRolePassword()));
          }
          log.printf("[%s] role %s can SELECT and INSERT in %s%n", LOAD, o.getRole(), o.getTable());
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      var ctr = outcome.manifest.path("counters");
      log.printf(
          "[%s] files: %,d loaded, %,d replaced, %,d unchanged, %,d rejected; %,d rows in %.1f s"
              + " (%,.0f rows/s)%n",
          LOAD,
          ctr.path("loaded").asLong(),
          ctr.path("replaced").asLong(),
          ctr.path("unchanged").asLong(),
          ctr.path("rejected").asLong(),
          ctr.path("rows").asLong(),
          secs,
          ctr.path("rows").asLong() / secs);
      if (o.getRole() == null) {
        log.printf(
            "[%s] a least-privilege role for %s (apply with --role=NAME, or as a DBA):%n%s%n",
            LOAD, o.getTable(), loader.roleSql("dwh_writer", null));
      }
      if (db.embedded() != null && o.getKeepRunning()) {
        log.printf(
            "[%s] PostgreSQL keeps running at %s (Ctrl-C stops it)%n", LOAD, target.jdbcUrl());
        Thread.currentThread().join();
      }
      return Map.of(LOAD, outcome);
    }
  }

  /** The Parquet files in {@code input} into PostgreSQL; rejected files to {@code rejectedDir}. */
  static void buildLoad(
      Pipeline p, ResourceId input, LoadToPostgres.Target target, String rejectedDir) {
    String glob = Store.str(input) + "/*.parquet";
    PCollectionTuple loaded =
        p.apply(
                "MatchFiles",
                FileIO.match().filepattern(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenFiles", FileIO.readMatches())
            .apply("LoadToPostgres", LoadToPostgres.into(target));
    loaded.get(LoadToPostgres.FAILURES).apply("WriteRejected", WriteFailures.to(rejectedDir));
  }

  /**
   * Dataflow spec mode ({@link JobSpecs}): writes the load's job spec, touching no database and
   * neither reading {@code --input} nor writing {@code --output} (the job does when it runs). The
   * spec does not carry the password (workers use their own {@code PGPASSWORD}); the tables are
   * created by a normal run or a DBA.
   */
  private static Map<String, StageRunner.Outcome> writeSpec(
      WarehouseOptions o, ResourceId input, ResourceId output, PrintStream log) throws Exception {
    if (o.getReplaceFrom() != null || o.getReplaceTo() != null) {
      throw new IllegalArgumentException(
          "--replaceFrom/--replaceTo change the database now, but a Dataflow job spec runs later:"
              + " run the backfill without --templateLocation");
    }
    if (o.getJdbcUrl() == null || o.getJdbcUrl().isBlank()) {
      throw new IllegalArgumentException(
          "a Dataflow job loads into a PostgreSQL server its workers reach: give --jdbcUrl"
              + " (an embedded one lives only as long as this process)");
    }
    LoadToPostgres.Target target =
        new LoadToPostgres.Target(o.getJdbcUrl(), o.getUser(), null, o.getTable());
    StageRunner.Outcome outcome =
        new StageRunner(output, true, log)
            .forSpecs(true)
            .run(
                LOAD,
                List.of(),
                Map.of("input", Store.str(input), "target", target.toString()),
                (dataDir, rejectedDir) -> {
                  Pipeline p = Pipeline.create(o);
                  buildLoad(p, input, target, Store.str(rejectedDir));
                  MarketPipeline.runToCompletion(p, LOAD); // writes the spec and stops
                  throw new IllegalStateException("spec mode ran the load");
                });
    return Map.of(LOAD, outcome);
  }

  /**
   * {@code strata warehouse verify}: compares the input files, the ledger and the table. Every file
   * must be in the ledger with its current checksum, every ledger entry must have its file, and
   * every loaded file must have exactly its row count in the table. Returns 0 when all agree, 1
   * otherwise, listing each difference.
   */
  public static int verify(WarehouseOptions o, PrintStream log) throws Exception {
    FileSystems.setDefaultPipelineOptions(o);
    ResourceId input = Store.dir(o.getInput());
    try (Database db = Database.open(o, null)) {
      LoadToPostgres.Target target = db.target();
      FileLoader loader = new FileLoader(o.getTable());
      java.util.List<String> problems = new java.util.ArrayList<>();
      try (Connection c = connect(target)) {
        java.util.Map<String, String[]> ledger = loader.ledger(c);
        java.util.Set<String> seen = new java.util.HashSet<>();
        long rejected = 0;
        for (MatchResult.Metadata f : Store.list(input, ".parquet")) {
          String name = f.resourceId().getFilename();
          seen.add(name);
          String[] entry = ledger.get(name);
          String sha = FileLoader.checksum(() -> Store.openSeekable(f.resourceId()));
          if (entry == null) {
            problems.add(name + ": not in the ledger (not loaded)");
          } else if (!entry[0].equals(sha)) {
            problems.add(name + ": changed since it was loaded");
          } else if ("rejected".equals(entry[1])) {
            rejected++;
          }
        }
        for (String name : ledger.keySet()) {
          if (!seen.contains(name)) {
            problems.add(name + ": in the ledger but no longer among the input files");
          }
        }
        problems.addAll(loader.checkTable(c));
        log.printf(
            "[verify] %,d files, %,d ledger entries (%,d rejected files), %d differences%n",
            seen.size(), ledger.size(), rejected, problems.size());
      }
      for (String p : problems.subList(0, Math.min(50, problems.size()))) {
        log.println("  " + p);
      }
      return problems.isEmpty() ? 0 : 1;
    }
  }

  /**
   * The PostgreSQL a command works on: the server of {@code --jdbcUrl} (as {@code --user}, with
   * {@code --password} or {@code PGPASSWORD}), or else an embedded one started on {@link #pgData},
   * stopped on close.
   */
  private record Database(EmbeddedPostgres embedded, LoadToPostgres.Target target)
      implements AutoCloseable {
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
        log.printf("[%s] embedded PostgreSQL on %s (data in %s)%n", LOAD, url, data);
      }
      return new Database(embedded, new LoadToPostgres.Target(url, "postgres", null, o.getTable()));
    }

    @Override
    public void close() throws java.io.IOException {
      if (embedded != null) {
        embedded.close();
      }
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

  /**
   * The progress line: every {@link #EVERY_SECONDS} s, what the ledger says was committed since the
   * load began (files, rows, rows/s, and an ETA from the files listed). It asks the database, so it
   * counts only committed work and works on any runner.
   */
  static final class Progress implements AutoCloseable {
    static final int EVERY_SECONDS = 10;
    private final java.util.concurrent.ScheduledExecutorService timer;
    private final Connection connection;

    Progress(LoadToPostgres.Target target, FileLoader loader, int listed, PrintStream log)
        throws Exception {
      connection = connect(target);
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
          java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "warehouse-progress");
                t.setDaemon(true);
                return t;
              });
      timer.scheduleAtFixedRate(
          () -> {
            try {
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
                  LOAD, files, known > 0 ? "~" : "", toLoad, done[2], done[1], done[1] / secs, eta);
            } catch (java.sql.SQLException e) {
              log.printf("[%s] progress unavailable: %s%n", LOAD, e.getMessage());
            }
          },
          EVERY_SECONDS,
          EVERY_SECONDS,
          java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      timer.shutdownNow();
      timer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
      connection.close();
    }
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
