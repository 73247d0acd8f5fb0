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
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
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
    Path input = Path.of(o.getInput());
    if (!Files.isDirectory(input)) {
      throw new IllegalArgumentException("--input " + input + " is not a directory");
    }
    Path output = Path.of(o.getOutput());
    Files.createDirectories(output);
    EmbeddedPostgres embedded = null;
    String url = o.getJdbcUrl();
    String user = o.getUser();
    String password = o.getPassword() != null ? o.getPassword() : System.getenv("PGPASSWORD");
    try {
      if (url == null || url.isBlank()) {
        Path data = o.getPgData() != null ? Path.of(o.getPgData()) : output.resolve("pgdata");
        Files.createDirectories(data);
        embedded =
            EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
        url = embedded.getJdbcUrl("postgres", "postgres");
        user = "postgres";
        password = null;
        log.printf("[%s] embedded PostgreSQL on %s (data in %s)%n", LOAD, url, data);
      }
      LoadToPostgres.Target target = new LoadToPostgres.Target(url, user, password, o.getTable());
      FileLoader loader = new FileLoader(o.getTable());
      try (Connection c = connect(target)) {
        loader.createTables(c);
      }
      List<Path> files = MarketPipeline.list(input, ".parquet");
      Map<String, String> stageOptions = new TreeMap<>();
      stageOptions.put("input", input.toAbsolutePath().toString());
      stageOptions.put("target", target.toString());
      StageRunner runner = new StageRunner(output, true, log);
      String glob = input.toAbsolutePath() + "/*.parquet";
      long t0 = System.nanoTime();
      StageRunner.Outcome outcome =
          runner.run(
              LOAD,
              files,
              stageOptions,
              (dataDir, rejectedDir) -> {
                Pipeline p = Pipeline.create(o);
                PCollectionTuple loaded =
                    p.apply(
                            "MatchFiles",
                            FileIO.match()
                                .filepattern(glob)
                                .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
                        .apply("OpenFiles", FileIO.readMatches())
                        .apply("LoadToPostgres", LoadToPostgres.into(target));
                loaded
                    .get(LoadToPostgres.FAILURES)
                    .apply("WriteRejected", WriteFailures.to(rejectedDir.toString()));
                MetricQueryResults m = MarketPipeline.runToCompletion(p);
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
      try (Connection c = connect(target)) {
        loader.createIndexes(c);
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
      if (embedded != null && o.getKeepRunning()) {
        log.printf("[%s] PostgreSQL keeps running at %s (Ctrl-C stops it)%n", LOAD, url);
        Thread.currentThread().join();
      }
      return Map.of(LOAD, outcome);
    } finally {
      if (embedded != null) {
        embedded.close();
      }
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
