package dev.strata.api;

import dev.strata.model.DjlEnvironment;
import dev.strata.model.train.Synthetic;
import dev.strata.model.train.TrainConfig;
import dev.strata.model.train.TrainVolumeModel;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Real models for the API tests, trained once per JVM by the model module's own training code on
 * its synthetic fixture (a known relation between features and volume). Two different models, so
 * that a hot swap is visible in the answers.
 */
final class ApiFixture {
  private static Path dir;

  private ApiFixture() {}

  static synchronized Path models() {
    if (dir == null) {
      try {
        DjlEnvironment.configure(Path.of("target/djl-cache"));
        dir = Files.createTempDirectory("strata-api-models");
        train(dir.resolve("a"), 7);
        train(dir.resolve("b"), 8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dir;
  }

  /** {@code a/model.bin} (with {@code a/metrics.json}) or {@code b/model.bin}. */
  static Path model(String which) {
    return models().resolve(which).resolve("model.bin");
  }

  private static void train(Path out, long seed) throws IOException {
    TrainConfig c =
        TrainConfig.defaults(out, out.resolveSibling(out.getFileName() + "-work"))
            .withHidden(16, 16)
            .withEpochs(6, 3)
            .withBatch(64, 1e-2, 4_000)
            .withSeed(seed)
            .withForest(5, 1_000, 0);
    TrainVolumeModel.run(c, new Synthetic(30, 200, seed), System.out);
  }

  private static Path runs;

  /**
   * A sensors-job output written by DuckDB (not by our pipeline): two runs in {@code
   * runs/run_uuid=<id>/} and their statistics in {@code run_stats/}. Run 12405186538561671661 has
   * 1,000 rows at 10 ms: x_1 = 1000 + i, f1 = 50, and no robot-2 signals.
   */
  static synchronized Path runs() {
    if (runs == null) {
      try {
        runs = Files.createTempDirectory("strata-api-runs");
        Files.createDirectories(runs.resolve("runs/run_uuid=12405186538561671661"));
        Files.createDirectories(runs.resolve("runs/run_uuid=7"));
        Files.createDirectories(runs.resolve("run_stats"));
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
            java.sql.Statement s = c.createStatement()) {
          s.execute("SET TimeZone = 'UTC'");
          s.execute(
              "COPY (SELECT TIMESTAMPTZ '2022-11-23 20:40:00+00' + to_milliseconds(i * 10) AS time,"
                  + " 1000.0 + i AS x_1, 500.0 AS y_1, NULL::DOUBLE AS x_2, NULL::DOUBLE AS y_2,"
                  + " 50.0 AS f1, NULL::DOUBLE AS f2, 100.0 AS v1 FROM range(1000) t(i)) TO '"
                  + runs.resolve("runs/run_uuid=12405186538561671661/part-00000-of-00001.parquet")
                  + "'");
          s.execute(
              "COPY (SELECT TIMESTAMPTZ '2022-11-23 21:00:00+00' + to_milliseconds(i * 10) AS time,"
                  + " 2.0 * i AS x_1 FROM range(10) t(i)) TO '"
                  + runs.resolve("runs/run_uuid=7/part-00000-of-00001.parquet")
                  + "'");
          s.execute(
              // stop_time in nanoseconds, as the sensors job writes its timestamps
              "COPY (SELECT * REPLACE (stop_time::TIMESTAMP_NS AS stop_time) FROM (VALUES"
                  + " ('12405186538561671661', TIMESTAMPTZ '2022-11-23 20:40:00+00',"
                  + "  TIMESTAMPTZ '2022-11-23 20:40:09.99+00', 9.99, 999.0, NULL::DOUBLE,"
                  + "  999.0, 'fx_2,fy_2,fz_2,x_2,y_2,z_2', 50.0, 1000),"
                  + " ('7', TIMESTAMPTZ '2022-11-23 21:00:00+00',"
                  + "  TIMESTAMPTZ '2022-11-23 21:00:00.09+00', 0.09, NULL, NULL, NULL,"
                  + "  'fx_1,fx_2', NULL, 10))"
                  + " t(run_uuid, start_time, stop_time, runtime_s, distance_1_mm, distance_2_mm,"
                  + " total_distance_mm, missing_signals, max_force_1_n, grid_points)) TO '"
                  + runs.resolve("run_stats/part-00000-of-00001.parquet")
                  + "'");
        }
      } catch (IOException | java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    }
    return runs;
  }

  private static Path bigRuns;

  /**
   * A sensors-job output with one long run, {@value #BIG_RUN}: 1,000,000 rows at 10 ms (about 70 MB
   * as JSON lines), for tests of slow clients and bounded memory. Written by DuckDB.
   */
  static synchronized Path bigRuns() {
    if (bigRuns == null) {
      try {
        bigRuns = Files.createTempDirectory("strata-api-bigruns");
        Path run = bigRuns.resolve("runs/run_uuid=" + BIG_RUN);
        Files.createDirectories(run);
        Files.createDirectories(bigRuns.resolve("run_stats"));
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
            java.sql.Statement s = c.createStatement()) {
          s.execute("SET TimeZone = 'UTC'");
          s.execute(
              "COPY (SELECT TIMESTAMPTZ '2022-11-23 20:40:00+00' + to_milliseconds(i * 10) AS time,"
                  + " 1000.0 + i AS x_1, 500.0 + i AS y_1, 1.0 * i AS x_2, 2.0 * i AS y_2,"
                  + " 50.0 AS f1, 60.0 AS f2 FROM range(1000000) t(i)) TO '"
                  + run.resolve("part-00000-of-00001.parquet")
                  + "'");
        }
      } catch (IOException | java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    }
    return bigRuns;
  }

  static final String BIG_RUN = "424242";

  /** A started API server and a client whose requests go to it. */
  record RunningApi(ApiServer server, WebClient client) {}

  /**
   * Starts the API with {@code config} on 127.0.0.1, port 0 (the system picks a free port), and
   * points a client at the port the server got. Stop it with {@code server().stop()}.
   */
  static RunningApi start(Vertx vertx, ApiConfig config) throws Exception {
    ApiServer server = new ApiServer(vertx, config.withHost("127.0.0.1").withPort(0));
    server.start().await(60, TimeUnit.SECONDS);
    WebClient client =
        WebClient.create(
            vertx,
            new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port()));
    return new RunningApi(server, client);
  }
}
