package dev.strata.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.model.FeatureBatch;
import dev.strata.model.VolumeModel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every endpoint and every class of bad input, against a real server on a real port serving a model
 * trained by the model module. Requests go through Vert.x's {@link WebClient}.
 */
@ExtendWith(VertxExtension.class)
class ApiTest {
  @TempDir static Path tmp;
  static ApiServer server;
  static WebClient client;
  static VolumeModel reference;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    Path model = ApiFixture.model("a");
    reference = VolumeModel.load(model);
    ApiFixture.RunningApi api =
        ApiFixture.start(
            vertx, ApiConfig.defaults(model).withInstances(2).withRuns(ApiFixture.runs()));
    server = api.server();
    client = api.client();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop().await(30, TimeUnit.SECONDS);
    reference.close();
  }

  static HttpResponse<Buffer> get(String uri) throws Exception {
    return client.get(uri).send().await(10, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> post(String body) throws Exception {
    return client
        .post("/predict")
        .putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer(body))
        .await(30, TimeUnit.SECONDS);
  }

  static long expected(double vma, double med) throws Exception {
    return reference.predict(FeatureBatch.of(vma, med))[0];
  }

  // ------------------------------------------------------------------ predictions

  @Test
  void getPredictAnswersTheModelsVolumeAsJson() throws Exception {
    HttpResponse<Buffer> r = get("/predict?vol_moving_avg=12345&adj_close_rolling_med=25");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactly("volume");
    assertThat(body.getValue("volume")).isInstanceOf(Number.class);
    assertThat(body.getLong("volume")).isEqualTo(expected(12345, 25)).isPositive();
    // The synthetic relation: volume ≈ vma/3 below a price of 50, 3·vma above.
    long high =
        get("/predict?vol_moving_avg=100000&adj_close_rolling_med=80")
            .bodyAsJsonObject()
            .getLong("volume");
    long low =
        get("/predict?vol_moving_avg=100000&adj_close_rolling_med=20")
            .bodyAsJsonObject()
            .getLong("volume");
    assertThat(high).isGreaterThan(4 * low);
  }

  @Test
  void concurrentGetsAreAnsweredTogetherYetEachWithItsOwnVolume() throws Exception {
    // Requests that arrive in the same turn of an event loop share one forward pass; each must
    // still get the answer for its own query, equal to predicting it alone.
    int n = 600;
    List<io.vertx.core.Future<HttpResponse<Buffer>>> inFlight = new java.util.ArrayList<>();
    double[] vma = new double[n];
    double[] med = new double[n];
    for (int i = 0; i < n; i++) {
      vma[i] = 500 + 1234.5 * i;
      med[i] = 0.5 + (i % 97);
      inFlight.add(
          client
              .get("/predict?vol_moving_avg=" + vma[i] + "&adj_close_rolling_med=" + med[i])
              .putHeader("accept", i % 2 == 0 ? "application/json" : "text/plain")
              .send());
    }
    for (int i = 0; i < n; i++) {
      HttpResponse<Buffer> r = inFlight.get(i).await(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      long got =
          i % 2 == 0 ? r.bodyAsJsonObject().getLong("volume") : Long.parseLong(r.bodyAsString());
      assertThat(got).as("request %d", i).isEqualTo(expected(vma[i], med[i]));
    }
  }

  @Test
  void getPredictAnswersPlainTextWhenAsked() throws Exception {
    HttpResponse<Buffer> r =
        client
            .get("/predict?vol_moving_avg=12345&adj_close_rolling_med=25")
            .putHeader("accept", "text/plain")
            .send()
            .await(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).startsWith("text/plain");
    assertThat(r.bodyAsString()).isEqualTo(Long.toString(expected(12345, 25)));
  }

  @Test
  void postPredictAnswersEveryRowInOrder() throws Exception {
    JsonArray rows = new JsonArray();
    double[] vma = new double[10_000];
    double[] med = new double[10_000];
    for (int i = 0; i < vma.length; i++) {
      vma[i] = 1000 + 97.5 * i;
      med[i] = 1 + (i % 100);
      rows.add(new JsonObject().put("vol_moving_avg", vma[i]).put("adj_close_rolling_med", med[i]));
    }
    long[] want = reference.predict(new FeatureBatch(vma, med));
    HttpResponse<Buffer> r = post(rows.encode());
    assertThat(r.statusCode()).isEqualTo(200);
    JsonArray got = r.bodyAsJsonArray();
    assertThat(got.size()).isEqualTo(10_000);
    for (int i = 0; i < want.length; i++) {
      assertThat(got.getLong(i)).as("row %d", i).isEqualTo(want[i]);
    }
    // A small batch is answered on the event loop, a large one on a worker: same numbers.
    HttpResponse<Buffer> small = post(new JsonArray(rows.getList().subList(0, 3)).encode());
    assertThat(small.bodyAsJsonArray().getList()).hasSize(3);
    assertThat(small.bodyAsJsonArray().getLong(2)).isEqualTo(want[2]);
    assertThat(post("[]").bodyAsString()).isEqualTo("[]");
  }

  @Test
  void tooManyRowsOrTooLargeABodyIs413() throws Exception {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i <= 10_000; i++) {
      b.append(i == 0 ? "" : ",").append("{\"vol_moving_avg\":1,\"adj_close_rolling_med\":1}");
    }
    HttpResponse<Buffer> r = post(b.append(']').toString());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.bodyAsJsonObject().getString("field")).isEqualTo("body");
    HttpResponse<Buffer> huge = post("[" + " ".repeat(3 << 20) + "]");
    assertThat(huge.statusCode()).isEqualTo(413);
    assertThat(huge.bodyAsJsonObject().getString("error")).contains("larger than");
  }

  // ------------------------------------------------------------------ bad input

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "missing          | /predict?vol_moving_avg=1                                            | adj_close_rolling_med",
        "missing both     | /predict                                                             | vol_moving_avg",
        "repeated         | /predict?vol_moving_avg=1&vol_moving_avg=2&adj_close_rolling_med=3   | vol_moving_avg",
        "empty            | /predict?vol_moving_avg=&adj_close_rolling_med=3                     | vol_moving_avg",
        "non-numeric      | /predict?vol_moving_avg=abc&adj_close_rolling_med=3                  | vol_moving_avg",
        "NaN              | /predict?vol_moving_avg=NaN&adj_close_rolling_med=3                  | vol_moving_avg",
        "Infinity         | /predict?vol_moving_avg=1&adj_close_rolling_med=Infinity             | adj_close_rolling_med",
        "overflow         | /predict?vol_moving_avg=1e400&adj_close_rolling_med=3                | vol_moving_avg",
        "negative         | /predict?vol_moving_avg=-5&adj_close_rolling_med=3                   | vol_moving_avg",
        "absurdly large   | /predict?vol_moving_avg=1e15&adj_close_rolling_med=3                 | vol_moving_avg",
        "large price      | /predict?vol_moving_avg=1&adj_close_rolling_med=99999999             | adj_close_rolling_med",
        "hex              | /predict?vol_moving_avg=0x10&adj_close_rolling_med=3                 | vol_moving_avg",
        "java suffix      | /predict?vol_moving_avg=1.5f&adj_close_rolling_med=3                 | vol_moving_avg",
        "unknown param    | /predict?vol_moving_avg=1&adj_close_rolling_med=3&volume=4           | volume",
        "bad escape       | /predict?vol_moving_avg=%ZZ&adj_close_rolling_med=3                  | query",
        "spaces           | /predict?vol_moving_avg=1%202&adj_close_rolling_med=3                | vol_moving_avg",
      })
  void badQueriesAre400WithTheField(String name, String uri, String field) throws Exception {
    HttpResponse<Buffer> r = get(uri.trim());
    assertThat(r.statusCode()).as(name).isEqualTo(400);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("field")).as(name).isEqualTo(field.trim());
    assertThat(body.getString("error")).as(name).isNotBlank().doesNotContain("Exception");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "malformed        | [{\"vol_moving_avg\":1,                                   | body",
        "not an array     | {\"vol_moving_avg\":1,\"adj_close_rolling_med\":2}       | body",
        "not json         | hello                                                    | body",
        "empty body       | ''                                                       | body",
        "row not object   | [1,2]                                                    | [0]",
        "string value     | [{\"vol_moving_avg\":\"1\",\"adj_close_rolling_med\":2}] | [0].vol_moving_avg",
        "boolean value    | [{\"vol_moving_avg\":true,\"adj_close_rolling_med\":2}]  | [0].vol_moving_avg",
        "null value       | [{\"vol_moving_avg\":null,\"adj_close_rolling_med\":2}]  | [0].vol_moving_avg",
        "nested value     | [{\"vol_moving_avg\":[1],\"adj_close_rolling_med\":2}]   | [0].vol_moving_avg",
        "missing field    | [{\"vol_moving_avg\":1}]                                 | [0].adj_close_rolling_med",
        "unknown field    | [{\"vol_moving_avg\":1,\"adj_close_rolling_med\":2,\"x\":3}] | [0].x",
        "duplicate key    | [{\"vol_moving_avg\":1,\"vol_moving_avg\":2,\"adj_close_rolling_med\":2}] | body",
        "negative         | [{\"vol_moving_avg\":1,\"adj_close_rolling_med\":-2}]    | [0].adj_close_rolling_med",
        "too large        | [{\"vol_moving_avg\":1e300,\"adj_close_rolling_med\":2}] | [0].vol_moving_avg",
        "overflow         | [{\"vol_moving_avg\":1e999,\"adj_close_rolling_med\":2}] | [0].vol_moving_avg",
        "second row bad   | [{\"vol_moving_avg\":1,\"adj_close_rolling_med\":2},{}]  | [1].vol_moving_avg",
        "trailing garbage | [] x                                                     | body",
        "NaN literal      | [{\"vol_moving_avg\":NaN,\"adj_close_rolling_med\":2}]   | body",
      })
  void badBodiesAre400WithTheField(String name, String body, String field) throws Exception {
    HttpResponse<Buffer> r = post(body.trim());
    assertThat(r.statusCode()).as(name).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("field")).as(name).isEqualTo(field.trim());
  }

  @Test
  void wrongRoutesMethodsAndMediaTypesAreJsonErrors() throws Exception {
    HttpResponse<Buffer> notFound = get("/predict/extra");
    assertThat(notFound.statusCode()).isEqualTo(404);
    assertThat(notFound.bodyAsJsonObject().getString("field")).isEqualTo("path");
    for (HttpMethod m : List.of(HttpMethod.DELETE, HttpMethod.PUT, HttpMethod.PATCH)) {
      HttpResponse<Buffer> r = client.request(m, "/predict").send().await(10, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(m.name()).isEqualTo(405);
      assertThat(r.bodyAsJsonObject().getString("field")).isEqualTo("method");
    }
    assertThat(client.post("/health").send().await(10, TimeUnit.SECONDS).statusCode())
        .isEqualTo(405);
    HttpResponse<Buffer> png =
        client
            .get("/predict?vol_moving_avg=1&adj_close_rolling_med=1")
            .putHeader("accept", "image/png")
            .send()
            .await(10, TimeUnit.SECONDS);
    assertThat(png.statusCode()).isEqualTo(406);
    HttpResponse<Buffer> form =
        client
            .post("/predict")
            .putHeader("content-type", "application/x-www-form-urlencoded")
            .sendBuffer(Buffer.buffer("vol_moving_avg=1"))
            .await(10, TimeUnit.SECONDS);
    assertThat(form.statusCode()).isEqualTo(415);
    assertThat(form.bodyAsJsonObject().getString("field")).isEqualTo("content-type");
  }

  // ------------------------------------------------------------------ status endpoints

  @Test
  void healthReadyAndModel() throws Exception {
    assertThat(get("/health").bodyAsJsonObject().getString("status")).isEqualTo("UP");
    JsonObject ready = get("/ready").bodyAsJsonObject();
    assertThat(ready.getString("status")).isEqualTo("READY");
    assertThat(ready.getLong("generation")).isEqualTo(1);
    JsonObject model = get("/model").bodyAsJsonObject();
    assertThat(model.getString("sha256")).hasSize(64);
    assertThat(model.getJsonObject("feature_spec").getJsonArray("names").getList())
        .containsExactly("vol_moving_avg", "adj_close_rolling_med");
    assertThat(model.getJsonObject("network").getJsonArray("hidden").getList())
        .containsExactly(16, 16);
    // Fixture "a" is trained for 6 epochs and its validation loss still improves in the last.
    assertThat(model.getJsonObject("metadata").getInteger("best_epoch")).isEqualTo(6);
    assertThat(model.getJsonObject("metadata"))
        .isEqualTo(new JsonObject(reference.metadata().toString()));
    // metrics.json beside model.bin, as written: the test MAE of the model and the baselines
    JsonObject metrics = model.getJsonObject("metrics");
    assertThat(metrics)
        .isEqualTo(
            new JsonObject(Files.readString(ApiFixture.model("a").resolveSibling("metrics.json"))));
    // The naive baseline is plain arithmetic on the fixture's data: the same on every machine.
    assertThat(metrics.getJsonObject("naive").getDouble("mae")).isEqualTo(386691.0485785736);
  }

  @Test
  void metricsCountRequestsByRouteAndStatus(Vertx vertx) throws Exception {
    // A server of its own, so that only this test's requests are counted, with one event loop,
    // so that each request is counted before the next one is read.
    ApiFixture.RunningApi own =
        ApiFixture.start(vertx, ApiConfig.defaults(ApiFixture.model("a")).withInstances(1));
    try {
      metricsCountRequestsByRouteAndStatus(own.client());
    } finally {
      own.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  private static void metricsCountRequestsByRouteAndStatus(WebClient client) throws Exception {
    for (String uri :
        List.of(
            "/predict?vol_moving_avg=1&adj_close_rolling_med=1",
            "/predict?vol_moving_avg=x&adj_close_rolling_med=1",
            "/nowhere")) {
      client.get(uri).send().await(10, TimeUnit.SECONDS);
    }
    HttpResponse<Buffer> r = client.get("/metrics").send().await(10, TimeUnit.SECONDS);
    assertThat(r.getHeader("content-type")).startsWith("text/plain; version=0.0.4");
    String text = r.bodyAsString();
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      // Exposition format: name{labels} value
      assertThat(line).matches("[a-z_]+(\\{[^}]*\\})? [0-9.Ee+-]+");
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    assertThat(
            samples.get(
                "strata_api_requests_total{route=\"/predict\",method=\"GET\",status=\"200\"}"))
        .isEqualTo(1.0);
    assertThat(
            samples.get(
                "strata_api_requests_total{route=\"/predict\",method=\"GET\",status=\"400\"}"))
        .isEqualTo(1.0);
    assertThat(
            samples.get("strata_api_requests_total{route=\"other\",method=\"GET\",status=\"404\"}"))
        .isEqualTo(1.0);
    assertThat(
            samples.get(
                "strata_api_request_duration_seconds_bucket{route=\"/predict\",le=\"+Inf\"}"))
        .isEqualTo(samples.get("strata_api_request_duration_seconds_count{route=\"/predict\"}"))
        .isEqualTo(2.0);
    assertThat(samples.get("strata_api_predictions_total")).isEqualTo(1.0);
    assertThat(samples.get("strata_api_model_generation")).isEqualTo(1.0);
  }

  // ------------------------------------------------------------------ OpenAPI

  @Test
  void openApiIsAValidContractAndEveryDocumentedOperationAnswersAsDocumented(Vertx vertx)
      throws Exception {
    HttpResponse<Buffer> doc = get("/openapi.yaml");
    assertThat(doc.statusCode()).isEqualTo(200);
    // Parsed with SnakeYAML, then resolved and checked by vertx-openapi, which knows the OpenAPI 3
    // schema. Its parser accepts only a few response media types (JSON, text/plain, octet-stream,
    // ...), so for it the others (the YAML document, JSON lines, CSV, PNG) are renamed to free
    // supported ones; the original document keeps the real types for the checks below.
    Map<String, Object> yaml = new org.yaml.snakeyaml.Yaml().load(doc.bodyAsString());
    JsonObject json = new JsonObject(yaml);
    assertThat(doc.getHeader("content-type")).startsWith("application/yaml");
    JsonObject forVertx = json.copy();
    List<String> supported =
        List.of("text/plain", "application/octet-stream", "text/plain; charset=utf-8");
    for (String path : forVertx.getJsonObject("paths").fieldNames()) {
      JsonObject item = forVertx.getJsonObject("paths").getJsonObject(path);
      for (String method : item.fieldNames()) {
        JsonObject responses = item.getJsonObject(method).getJsonObject("responses");
        for (String code : responses.fieldNames()) {
          JsonObject content = responses.getJsonObject(code).getJsonObject("content");
          if (content == null) {
            continue;
          }
          for (String type : List.copyOf(content.fieldNames())) {
            if (!type.startsWith("application/json") && !supported.contains(type)) {
              String free =
                  supported.stream().filter(t -> !content.containsKey(t)).findFirst().orElseThrow();
              content.put(free, content.remove(type));
            }
          }
        }
      }
    }
    OpenAPIContract contract = OpenAPIContract.from(vertx, forVertx).await(30, TimeUnit.SECONDS);
    ResponseValidator validator = ResponseValidator.create(vertx, contract);
    Map<String, String> valid =
        Map.ofEntries(
            Map.entry("predictOne", "/predict?vol_moving_avg=12345&adj_close_rolling_med=25"),
            Map.entry("predictMany", "/predict"),
            Map.entry("health", "/health"),
            Map.entry("ready", "/ready"),
            Map.entry("model", "/model"),
            Map.entry("metrics", "/metrics"),
            Map.entry("openApi", "/openapi.yaml"),
            Map.entry("listRuns", "/runs"),
            Map.entry("getRun", "/runs/7"),
            Map.entry("getRunSamples", "/runs/7/samples?limit=5"),
            Map.entry("getRunPlot", "/runs/7/plot.png"));
    assertThat(contract.operations()).hasSize(valid.size());
    for (Operation op : contract.operations()) {
      String uri = valid.get(op.getOperationId());
      assertThat(uri).as("a request for %s", op.getOperationId()).isNotNull();
      assertThat(uri.split("\\?")[0])
          .matches(op.getOpenAPIPath().replace("{run_uuid}", "[^/]+").replace(".", "\\."));
      HttpResponse<Buffer> r =
          op.getHttpMethod() == HttpMethod.POST
              ? post("[{\"vol_moving_avg\":12345,\"adj_close_rolling_med\":25}]")
              : get(uri);
      assertThat(r.statusCode()).as(op.getOperationId()).isEqualTo(200);
      String type = r.getHeader("content-type").split(";")[0];
      if (type.equals("application/json")) {
        validator
            .validate(ValidatableResponse.create(200, r.body(), type), op.getOperationId())
            .await(10, TimeUnit.SECONDS);
      } else {
        // vertx-openapi validates JSON bodies only; for text bodies check the declared type.
        JsonObject declared =
            json.getJsonObject("paths")
                .getJsonObject(op.getOpenAPIPath())
                .getJsonObject(op.getHttpMethod().name().toLowerCase(java.util.Locale.ROOT))
                .getJsonObject("responses")
                .getJsonObject("200")
                .getJsonObject("content");
        assertThat(declared.fieldNames()).as(op.getOperationId()).contains(type);
      }
      // and a documented error response validates too
      if (op.getOperationId().equals("predictOne")) {
        HttpResponse<Buffer> bad = get("/predict?vol_moving_avg=x&adj_close_rolling_med=1");
        validator
            .validate(
                ValidatableResponse.create(400, bad.body(), "application/json"),
                op.getOperationId())
            .await(10, TimeUnit.SECONDS);
      }
    }
  }
}
