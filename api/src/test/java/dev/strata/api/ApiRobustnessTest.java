package dev.strata.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.api.ApiFixture.RunningApi;
import dev.strata.model.FeatureBatch;
import dev.strata.model.VolumeModel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Random input never yields a 5xx; model replacement under load; SIGTERM stops gracefully. */
@ExtendWith(VertxExtension.class)
class ApiRobustnessTest {
  @TempDir Path tmp;

  private static RunningApi start(Vertx vertx, Path model, long reloadMillis) throws Exception {
    return ApiFixture.start(
        vertx, ApiConfig.defaults(model).withInstances(2).withReloadMillis(reloadMillis));
  }

  // ------------------------------------------------------------------ fuzzing

  private static final String[] PIECES = {
    "vol_moving_avg",
    "adj_close_rolling_med",
    "=",
    "&",
    "%",
    "%2",
    "%ZZ",
    "%00",
    "%FF",
    "+",
    "-",
    ".",
    "e",
    "E",
    "1",
    "0",
    "9",
    "12345",
    "1e308",
    "1e309",
    "NaN",
    "Infinity",
    "-0",
    "0x1p3",
    "null",
    "[]",
    "{}",
    "\"",
    "'",
    ";",
    "#",
    "?",
    "/",
    "\\",
    "é",
    "😀",
    " ",
    "\t",
    "volume"
  };

  private static String randomQuery(Random r) {
    StringBuilder b = new StringBuilder("/predict?");
    int n = 1 + r.nextInt(10);
    for (int i = 0; i < n; i++) {
      b.append(PIECES[r.nextInt(PIECES.length)]);
    }
    // Most clients percent-encode; keep the request line legal but the query adversarial.
    return b.toString()
        .replace(" ", "%20")
        .replace("\t", "%09")
        .replace("#", "%23")
        .replace("\"", "%22")
        .replace("é", "%C3%A9")
        .replace("😀", "%F0%9F%98%80")
        .replace("\\", "%5C");
  }

  private static String randomBody(Random r) {
    String[] values = {
      "1",
      "0",
      "-1",
      "1e400",
      "1.5",
      "\"2\"",
      "true",
      "null",
      "[]",
      "{}",
      "1e-400",
      "123456789012345678901234567890",
      "12345",
      "NaN",
      "-0.0",
      ".5",
      "5.",
      "01"
    };
    String[] keys = {"vol_moving_avg", "adj_close_rolling_med", "x", "", "VOL_MOVING_AVG"};
    StringBuilder b = new StringBuilder();
    int kind = r.nextInt(10);
    if (kind == 0) {
      // raw garbage
      for (int i = r.nextInt(50); i > 0; i--) {
        b.append((char) (32 + r.nextInt(95)));
      }
      return b.toString();
    }
    b.append('[');
    int rows = r.nextInt(5);
    for (int i = 0; i < rows; i++) {
      b.append(i > 0 ? "," : "").append('{');
      int fields = r.nextInt(4);
      for (int f = 0; f < fields; f++) {
        b.append(f > 0 ? "," : "")
            .append('"')
            .append(keys[r.nextInt(keys.length)])
            .append("\":")
            .append(values[r.nextInt(values.length)]);
      }
      b.append('}');
    }
    if (kind != 1) {
      b.append(']');
    }
    return b.toString();
  }

  @Test
  void thousandsOfRandomRequestsNeverGetA5xx(Vertx vertx) throws Exception {
    RunningApi run = start(vertx, ApiFixture.model("a"), 1000);
    Random random = new Random(20261127);
    int[] statuses = new int[600];
    List<String> failures = new ArrayList<>();
    try {
      for (int round = 0; round < 20; round++) {
        List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
          if (i % 3 == 2) {
            String body = randomBody(random);
            sent.add("POST " + body);
            inFlight.add(
                run.client()
                    .post("/predict")
                    .putHeader("content-type", "application/json")
                    .sendBuffer(Buffer.buffer(body)));
          } else {
            String uri = randomQuery(random);
            sent.add("GET " + uri);
            inFlight.add(run.client().get(uri).send());
          }
        }
        for (int i = 0; i < inFlight.size(); i++) {
          HttpResponse<Buffer> r = inFlight.get(i).await(30, TimeUnit.SECONDS);
          statuses[r.statusCode()]++;
          if (r.statusCode() >= 500) {
            failures.add(r.statusCode() + " for " + sent.get(i) + ": " + r.bodyAsString());
          } else if (r.statusCode() != 200) {
            // every error is the JSON error shape
            JsonObject e = r.bodyAsJsonObject();
            assertThat(e.containsKey("error") && e.containsKey("field")).as(sent.get(i)).isTrue();
          }
        }
      }
    } finally {
      run.server().stop().await(30, TimeUnit.SECONDS);
    }
    assertThat(failures).isEmpty();
    // The generator hits both sides: some valid requests, many rejected ones.
    assertThat(statuses[200]).isGreaterThan(50);
    assertThat(statuses[400]).isGreaterThan(1000);
  }

  // ------------------------------------------------------------------ hot reload

  @Test
  void replacingModelBinSwapsModelsWithoutDroppingRequests(Vertx vertx) throws Exception {
    Path served = tmp.resolve("model.bin");
    Files.copy(ApiFixture.model("a"), served);
    long expectA;
    long expectB;
    try (VolumeModel a = VolumeModel.load(ApiFixture.model("a"));
        VolumeModel b = VolumeModel.load(ApiFixture.model("b"))) {
      expectA = a.predict(FeatureBatch.of(50_000, 60))[0];
      expectB = b.predict(FeatureBatch.of(50_000, 60))[0];
    }
    assertThat(expectB).isNotEqualTo(expectA);
    RunningApi run = start(vertx, served, 100);
    String uri = "/predict?vol_moving_avg=50000&adj_close_rolling_med=60";
    AtomicInteger answered = new AtomicInteger();
    AtomicReference<String> problem = new AtomicReference<>();
    java.util.Set<Long> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try {
      assertThat(get(run, uri).bodyAsJsonObject().getLong("volume")).isEqualTo(expectA);
      // Load: 8 request loops running while the file is replaced twice (once by garbage).
      long until = System.currentTimeMillis() + 3_000;
      List<Thread> loops = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Thread loop =
            new Thread(
                () -> {
                  while (System.currentTimeMillis() < until && problem.get() == null) {
                    try {
                      HttpResponse<Buffer> r = get(run, uri);
                      if (r.statusCode() != 200) {
                        problem.set(r.statusCode() + " " + r.bodyAsString());
                      } else {
                        seen.add(r.bodyAsJsonObject().getLong("volume"));
                        answered.incrementAndGet();
                      }
                    } catch (Exception e) {
                      problem.set(e.toString());
                    }
                  }
                });
        loop.start();
        loops.add(loop);
      }
      Thread.sleep(500);
      // A half-written file (a writer that is not atomic) is refused; the old model stays.
      Path partial = tmp.resolve("partial.bin");
      byte[] bBytes = Files.readAllBytes(ApiFixture.model("b"));
      Files.write(partial, java.util.Arrays.copyOf(bBytes, bBytes.length / 2));
      Files.move(
          partial, served, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Thread.sleep(500);
      assertThat(get(run, "/ready").bodyAsJsonObject().getLong("generation")).isEqualTo(1);
      // The whole new model, moved into place.
      Path next = tmp.resolve("next.bin");
      Files.copy(ApiFixture.model("b"), next);
      Files.move(next, served, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      for (Thread loop : loops) {
        loop.join();
      }
      assertThat(problem.get()).isNull();
      assertThat(answered.get()).isGreaterThan(100);
      assertThat(seen).containsExactlyInAnyOrder(expectA, expectB);
      assertThat(get(run, uri).bodyAsJsonObject().getLong("volume")).isEqualTo(expectB);
      assertThat(get(run, "/ready").bodyAsJsonObject().getLong("generation")).isEqualTo(2);
      String metrics = get(run, "/metrics").bodyAsString();
      assertThat(metrics).contains("strata_api_model_load_failures_total 1");
      assertThat(metrics).contains("strata_api_model_generation 2");
    } finally {
      run.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  private static HttpResponse<Buffer> get(RunningApi run, String uri) throws Exception {
    return run.client().get(uri).send().await(10, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ SIGTERM

  @Test
  void sigtermStopsTheProcessGracefully() throws Exception {
    Path model = ApiFixture.model("a");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-DDJL_CACHE_DIR=" + Path.of("target/djl-cache").toAbsolutePath(),
                ApiMain.class.getName(),
                "--model=" + model,
                "--host=127.0.0.1",
                "--port=0",
                "--drain-seconds=3")
            .redirectErrorStream(true)
            .start();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (java.io.IOException e) {
                lines.add(e.toString());
              }
            });
    reader.start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (lines.stream().noneMatch(l -> l.contains("listening on"))) {
      assertThat(p.isAlive()).as(String.join("\n", lines)).isTrue();
      assertThat(System.currentTimeMillis()).as("start-up").isLessThan(deadline);
      Thread.sleep(100);
    }
    // --port=0: the port printed is the one the system chose, not 0.
    assertThat(lines)
        .anyMatch(l -> l.matches(".*listening on http://127\\.0\\.0\\.1:[1-9][0-9]*/ .*"));
    int port =
        Integer.parseInt(
            lines.stream()
                .filter(l -> l.contains("listening on"))
                .findFirst()
                .orElseThrow()
                .replaceAll(".*127\\.0\\.0\\.1:([0-9]+)/.*", "$1"));
    HttpClient http = HttpClient.newHttpClient();
    assertThat(status(http, port, "/ready")).isEqualTo(200);
    // SIGTERM as a supervisor sends it (Process.destroy() would also close our end of the pipes).
    new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
    Thread.sleep(500);
    // Draining: new connections are still answered; /ready says 503 so that traffic moves away.
    assertThat(status(HttpClient.newHttpClient(), port, "/ready")).isEqualTo(503);
    assertThat(
            status(
                HttpClient.newHttpClient(),
                port,
                "/predict?vol_moving_avg=1000&adj_close_rolling_med=20"))
        .isEqualTo(200);
    assertThat(p.isAlive()).isTrue();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    reader.join(5_000);
    assertThat(lines).anyMatch(l -> l.contains("stopping (/ready says 503 for 3 s"));
    assertThat(lines).anyMatch(l -> l.contains("strata-api: stopped"));
    assertThat(p.exitValue()).as(String.join("\n", lines)).isZero(); // a stop asked for succeeds
  }

  private static int status(HttpClient http, int port, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            BodyHandlers.discarding())
        .statusCode();
  }
}
