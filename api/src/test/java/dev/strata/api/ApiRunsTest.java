package dev.strata.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code /runs} over a sensors-job output written by DuckDB, served with {@code --runs}. */
@ExtendWith(VertxExtension.class)
class ApiRunsTest {
  static final String RUN = "12405186538561671661";
  static ApiServer server;
  static WebClient client;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    ApiFixture.RunningApi api =
        ApiFixture.start(
            vertx, ApiConfig.defaults(ApiFixture.model("a")).withRuns(ApiFixture.runs()));
    server = api.server();
    client = api.client();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop().await(30, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> get(String uri, String accept) throws Exception {
    var req = client.get(uri);
    if (accept != null) {
      req.putHeader("accept", accept);
    }
    return req.send().await(30, TimeUnit.SECONDS);
  }

  /**
   * The continuous sensors job replaces a run's files and {@code run_stats/} by atomic renames
   * while the API serves them: the next query sees the new run, without a restart.
   */
  @Test
  void aRunPublishedWhileServingIsSeenByTheNextQuery(Vertx vertx) throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("strata-api-live");
    try (var files = java.nio.file.Files.walk(ApiFixture.runs())) {
      for (java.nio.file.Path f : files.toList()) {
        java.nio.file.Path to = dir.resolve(ApiFixture.runs().relativize(f).toString());
        if (java.nio.file.Files.isDirectory(f)) {
          java.nio.file.Files.createDirectories(to);
        } else {
          java.nio.file.Files.copy(f, to);
        }
      }
    }
    ApiFixture.RunningApi live =
        ApiFixture.start(vertx, ApiConfig.defaults(ApiFixture.model("a")).withRuns(dir));
    try {
      var c = live.client();
      assertThat(c.get("/runs").send().await(30, TimeUnit.SECONDS).bodyAsJsonArray().size())
          .isEqualTo(2);
      assertThat(c.get("/runs/99").send().await(30, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
      java.nio.file.Path stats = dir.resolve("run_stats/part-00000-of-00001.parquet");
      java.nio.file.Path tmp = dir.resolve("run_stats/.part.tmp");
      java.nio.file.Files.createDirectories(dir.resolve("runs/run_uuid=99"));
      try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:duckdb:");
          java.sql.Statement s = db.createStatement()) {
        s.execute("SET TimeZone = 'UTC'");
        s.execute(
            "COPY (SELECT TIMESTAMPTZ '2022-11-24 08:00:00+00' + to_milliseconds(i * 10) AS time,"
                + " 1.0 * i AS x_1 FROM range(5) t(i)) TO '"
                + dir.resolve("runs/run_uuid=99/.part.tmp")
                + "' (FORMAT parquet)");
        java.nio.file.Files.move(
            dir.resolve("runs/run_uuid=99/.part.tmp"),
            dir.resolve("runs/run_uuid=99/part-00000-of-00001.parquet"),
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        s.execute(
            "COPY (SELECT * FROM read_parquet('"
                + stats
                + "') UNION ALL BY NAME SELECT '99' AS run_uuid, TIMESTAMPTZ '2022-11-24"
                + " 08:00:00+00' AS start_time, TIMESTAMPTZ '2022-11-24 08:00:00.04+00' AS"
                + " stop_time, 0.04 AS runtime_s, 'fx_1' AS missing_signals, 5 AS grid_points)"
                + " TO '"
                + tmp
                + "' (FORMAT parquet)");
      }
      java.nio.file.Files.move(
          tmp,
          stats,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(c.get("/runs").send().await(30, TimeUnit.SECONDS).bodyAsJsonArray().size())
          .isEqualTo(3);
      JsonObject run = c.get("/runs/99").send().await(30, TimeUnit.SECONDS).bodyAsJsonObject();
      assertThat(run.getLong("grid_points")).isEqualTo(5L);
      String samples =
          c.get("/runs/99/samples?columns=x_1").send().await(30, TimeUnit.SECONDS).bodyAsString();
      assertThat(samples.lines().count()).isEqualTo(5);
    } finally {
      live.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void listsAndShowsRunStatistics() throws Exception {
    JsonArray all = get("/runs", null).bodyAsJsonArray();
    assertThat(all.size()).isEqualTo(2);
    JsonObject first = all.getJsonObject(0);
    assertThat(first.getString("run_uuid")).isEqualTo(RUN);
    assertThat(first.getString("start_time")).isEqualTo("2022-11-23T20:40:00Z");
    assertThat(first.getString("stop_time")).isEqualTo("2022-11-23T20:40:09.990Z");
    assertThat(first.getDouble("runtime_s")).isEqualTo(9.99);
    assertThat(first.getValue("distance_2_mm")).isNull();
    JsonObject one = get("/runs/" + RUN, null).bodyAsJsonObject();
    assertThat(one).isEqualTo(first);
    HttpResponse<Buffer> missing = get("/runs/42", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("field")).isEqualTo("run_uuid");
    assertThat(get("/runs/..%2F..%2Fetc", null).statusCode()).isEqualTo(404);
  }

  @Test
  void samplesStreamAsJsonLinesOrCsvWithinTheRange() throws Exception {
    HttpResponse<Buffer> r =
        get(
            "/runs/"
                + RUN
                + "/samples?from=2022-11-23T20:40:01Z&to=2022-11-23T20:40:01.05Z&columns=x_1,f1",
            null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).isEqualTo("application/x-ndjson");
    List<String> lines = r.bodyAsString().lines().toList();
    assertThat(lines).hasSize(6); // 1.00, 1.01, ..., 1.05 s, both ends included
    JsonObject row = new JsonObject(lines.get(0));
    assertThat(row.fieldNames()).containsExactly("time", "x_1", "f1");
    assertThat(row.getString("time")).isEqualTo("2022-11-23T20:40:01Z");
    assertThat(row.getDouble("x_1")).isEqualTo(1100.0);
    assertThat(new JsonObject(lines.get(5)).getDouble("x_1")).isEqualTo(1105.0);
    HttpResponse<Buffer> csv = get("/runs/" + RUN + "/samples?limit=2&columns=x_1,x_2", "text/csv");
    assertThat(csv.getHeader("content-type")).isEqualTo("text/csv");
    assertThat(csv.bodyAsString())
        .isEqualTo(
            "time,x_1,x_2\n2022-11-23T20:40:00Z,1000.0,\n2022-11-23T20:40:00.010Z,1001.0,\n");
    // all columns, default limit; the whole run streams through the chunked writer
    List<String> all =
        get("/runs/" + RUN + "/samples?limit=1000000", null).bodyAsString().lines().toList();
    assertThat(all).hasSize(1000);
    assertThat(new JsonObject(all.get(999)).fieldNames())
        .containsExactly("time", "x_1", "y_1", "x_2", "y_2", "f1", "f2", "v1");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "from after to  | /runs/R/samples?from=2022-11-23T21:00:00Z&to=2022-11-23T20:00:00Z | 400 | from",
        "bad time       | /runs/R/samples?from=yesterday                                  | 400 | from",
        "bad to         | /runs/R/samples?to=2022-13-01T00:00:00Z                          | 400 | to",
        "year 10000     | /runs/R/samples?from=%2B10000-01-01T00:00:00Z                    | 400 | from",
        "year -1        | /runs/R/samples?to=-0001-01-01T00:00:00Z                         | 400 | to",
        "after 2262     | /runs/R/samples?to=2262-04-12T00:00:00Z                          | 400 | to",
        "limit zero     | /runs/R/samples?limit=0                                          | 400 | limit",
        "limit too big  | /runs/R/samples?limit=2000000                                    | 400 | limit",
        "limit text     | /runs/R/samples?limit=ten                                        | 400 | limit",
        "unknown column | /runs/R/samples?columns=x_1,bogus                                | 400 | columns",
        "repeated       | /runs/R/samples?limit=1&limit=2                                  | 400 | limit",
        "unknown run    | /runs/999/samples                                                | 404 | run_uuid",
        "plot of none   | /runs/999/plot.png                                               | 404 | run_uuid",
      })
  void badSampleRequests(String name, String uri, int status, String field) throws Exception {
    HttpResponse<Buffer> r = get(uri.trim().replace("/R/", "/" + RUN + "/"), null);
    assertThat(r.statusCode()).as(name).isEqualTo(status);
    assertThat(r.bodyAsJsonObject().getString("field")).as(name).isEqualTo(field.trim());
  }

  @Test
  void plotIsAPictureOfPathsAndForces() throws Exception {
    HttpResponse<Buffer> r = get("/runs/" + RUN + "/plot.png", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).isEqualTo("image/png");
    var img = ImageIO.read(new ByteArrayInputStream(r.body().getBytes()));
    assertThat(img.getWidth()).isEqualTo(1100);
    assertThat(img.getHeight()).isEqualTo(1000);
    // a run with hardly any columns still gets a picture
    assertThat(get("/runs/7/plot.png", null).statusCode()).isEqualTo(200);
  }
}
