package dev.strata.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What an adversarial client does to the API, on raw sockets where a polite client library would
 * not send it: bodies that never finish, clients that never read, a crowd of plot requests, doubly
 * framed requests, broken HTTP. The server must shed the load with an answer that says so, and come
 * back to normal by itself.
 */
@ExtendWith(VertxExtension.class)
class ApiAbuseTest {

  // ------------------------------------------------------------------ unfinished bodies

  @Test
  void unfinishedBodiesAreShedAndTheServerRecovers(Vertx vertx) throws Exception {
    ApiConfig config =
        ApiConfig.defaults(ApiFixture.model("a")).toBuilder()
            .instances(2)
            .bodyBudget(8L << 20) // four bodies of the largest size
            .bodySeconds(3)
            .build();
    ApiFixture.RunningApi api = ApiFixture.start(vertx, config);
    int port = api.server().port();
    List<Raw> clients = new ArrayList<>();
    try {
      // Twelve clients announce 2 MiB bodies, send 1 MB of each, and stall.
      for (int i = 0; i < 12; i++) {
        Raw c = new Raw(port);
        c.sendInBackground(
            ("POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2097152\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII),
            1_000_000);
        clients.add(c);
      }
      // At most four fit the budget; the others are told 503 at once and disconnected.
      Thread.sleep(1_000);
      int refused = 0;
      List<Raw> accepted = new ArrayList<>();
      for (Raw c : clients) {
        Raw.Response r = c.readResponse(300);
        if (r == null) {
          accepted.add(c);
          continue;
        }
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.headers()).containsIgnoringCase("retry-after: 1");
        assertThat(new JsonObject(r.body()).getString("field")).isEqualTo("body");
        refused++;
      }
      assertThat(refused).isGreaterThanOrEqualTo(8);
      assertThat(api.server().bodies().held()).isLessThanOrEqualTo(8L << 20);
      // The server still answers everyone else meanwhile.
      assertThat(get(api, "/health").statusCode()).isEqualTo(200);
      // The stalled bodies time out: 408, connection closed, their memory given back.
      int timedOut = 0;
      for (Raw c : accepted) {
        Raw.Response r = c.readResponse(6_000);
        assertThat(r).isNotNull();
        assertThat(r.status()).isEqualTo(408);
        timedOut++;
      }
      for (Raw c : clients) {
        assertThat(c.closedWithin(5_000)).isTrue();
      }
      assertThat(timedOut + refused).isEqualTo(12);
      assertThat(api.server().bodies().held()).isZero();
      HttpResponse<Buffer> ok =
          api.client()
              .post("/predict")
              .putHeader("content-type", "application/json")
              .sendBuffer(Buffer.buffer("[{\"vol_moving_avg\":1000,\"adj_close_rolling_med\":20}]"))
              .await(10, TimeUnit.SECONDS);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(get(api, "/metrics").bodyAsString())
          .contains("strata_api_shed_total{reason=\"body_budget\"} " + refused)
          .contains("strata_api_shed_total{reason=\"body_timeout\"} " + timedOut);
    } finally {
      clients.forEach(Raw::close);
      api.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBodyLargerThanTheLimitIsRefusedBeforeItIsRead(Vertx vertx) throws Exception {
    ApiFixture.RunningApi api = ApiFixture.start(vertx, ApiConfig.defaults(ApiFixture.model("a")));
    try (Raw c = new Raw(api.server().port())) {
      c.send(
          "POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              + "Content-Length: 999999999\r\n\r\n[");
      Raw.Response r = c.readResponse(5_000);
      assertThat(r.status()).isEqualTo(413);
      assertThat(c.closedWithin((int) Responses.LINGER_MILLIS + 3_000)).isTrue();
    } finally {
      api.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ slow readers

  @Test
  void clientsThatDoNotReadHoldNoThreadsAndAreCutOff(Vertx vertx) throws Exception {
    ApiConfig config =
        ApiConfig.defaults(ApiFixture.model("a")).toBuilder()
            .instances(2)
            .runs(ApiFixture.bigRuns())
            .stallSeconds(3)
            .duckdbMemoryMb(512)
            .duckdbThreads(8)
            .build();
    ApiFixture.RunningApi api = ApiFixture.start(vertx, config);
    int port = api.server().port();
    List<Raw> slow = new ArrayList<>();
    try {
      // More clients than Vert.x has worker threads (20) ask for 200,000 rows (~9 MB, more than
      // the socket buffers hold) and never read.
      for (int i = 0; i < 24; i++) {
        Raw c = new Raw(port, 4096);
        c.send(
            "GET /runs/"
                + ApiFixture.BIG_RUN
                + "/samples?limit=200000&columns=x_1 HTTP/1.1\r\nHost: t\r\n\r\n");
        slow.add(c);
      }
      // Wait until every answer has begun (its query ran), then let them fill the socket buffers.
      for (Raw c : slow) {
        assertThat(c.awaitText("HTTP/1.1 200", 60_000)).isTrue();
      }
      Thread.sleep(1_000);
      // Work that needs a worker thread is still served at once.
      long t0 = System.nanoTime();
      HttpResponse<Buffer> one = get(api, "/runs/" + ApiFixture.BIG_RUN + "/samples?limit=5");
      assertThat(one.statusCode()).isEqualTo(200);
      assertThat(one.bodyAsString().lines()).hasSize(5);
      StringBuilder rows = new StringBuilder("[");
      for (int i = 0; i < 1_000; i++) {
        rows.append(i > 0 ? "," : "")
            .append("{\"vol_moving_avg\":1000,\"adj_close_rolling_med\":20}");
      }
      HttpResponse<Buffer> batch =
          api.client()
              .post("/predict")
              .putHeader("content-type", "application/json")
              .sendBuffer(Buffer.buffer(rows.append(']').toString()))
              .await(10, TimeUnit.SECONDS);
      assertThat(batch.statusCode()).isEqualTo(200);
      // A worker that waits for its slow client, as before, takes 60 s; on two busy cores these
      // two take a few seconds.
      assertThat((System.nanoTime() - t0) / 1e9)
          .as("seconds for two worker requests")
          .isLessThan(20);
      // After stallSeconds without reading they are cut off; what they got is far from complete.
      Thread.sleep(5_000);
      for (Raw c : slow) {
        long bytes = c.drain(10_000);
        assertThat(c.closed).isTrue();
        assertThat(bytes).isLessThan(8_000_000L);
      }
      assertThat(api.server().gates().openStreams()).isZero();
      assertThat(get(api, "/metrics").bodyAsString())
          .contains("strata_api_shed_total{reason=\"stalled_client\"} 24");
    } finally {
      slow.forEach(Raw::close);
      api.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aStreamReadToTheEndIsComplete(Vertx vertx) throws Exception {
    ApiFixture.RunningApi api =
        ApiFixture.start(
            vertx, ApiConfig.defaults(ApiFixture.model("a")).withRuns(ApiFixture.bigRuns()));
    try {
      HttpResponse<Buffer> all =
          api.client()
              .get("/runs/" + ApiFixture.BIG_RUN + "/samples?limit=1000000&columns=x_1")
              .putHeader("accept", "text/csv")
              .send()
              .await(60, TimeUnit.SECONDS);
      List<String> lines = all.bodyAsString().lines().toList();
      assertThat(lines).hasSize(1_000_001);
      assertThat(lines.get(0)).isEqualTo("time,x_1");
      assertThat(lines.get(1)).isEqualTo("2022-11-23T20:40:00Z,1000.0");
      assertThat(lines.get(1_000_000)).isEqualTo("2022-11-23T23:26:39.990Z,1000999.0");
    } finally {
      api.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ plots

  @Test
  void plotsBeyondTheBoundAreRefusedNotAllRenderedAtOnce(Vertx vertx) throws Exception {
    ApiConfig config =
        ApiConfig.defaults(ApiFixture.model("a")).toBuilder()
            .runs(ApiFixture.bigRuns())
            .plotThreads(1)
            .plotQueue(2)
            .build();
    ApiFixture.RunningApi api = ApiFixture.start(vertx, config);
    try {
      List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(api.client().get("/runs/" + ApiFixture.BIG_RUN + "/plot.png").send());
      }
      int ok = 0;
      int busy = 0;
      for (Future<HttpResponse<Buffer>> f : all) {
        HttpResponse<Buffer> r = f.await(120, TimeUnit.SECONDS);
        if (r.statusCode() == 200) {
          assertThat(r.getHeader("content-type")).isEqualTo("image/png");
          assertThat(r.body().getBytes(0, 4)).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
          ok++;
        } else {
          assertThat(r.statusCode()).isEqualTo(503);
          assertThat(r.getHeader("retry-after")).isEqualTo("1");
          busy++;
        }
      }
      assertThat(ok).isBetween(3, 19);
      assertThat(ok + busy).isEqualTo(20);
      // Once the crowd is gone a plot is drawn again.
      assertThat(get(api, "/runs/" + ApiFixture.BIG_RUN + "/plot.png").statusCode()).isEqualTo(200);
    } finally {
      api.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ HTTP framing

  @Test
  void aRequestFramedTwiceIsRefusedAndItsConnectionClosed(Vertx vertx) throws Exception {
    ApiFixture.RunningApi api = ApiFixture.start(vertx, ApiConfig.defaults(ApiFixture.model("a")));
    try (Raw c = new Raw(api.server().port())) {
      String hidden = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
      String body = "0\r\n\r\n" + hidden;
      c.send(
          "POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + body.length()
              + "\r\nTransfer-Encoding: chunked\r\n\r\n"
              + body);
      Raw.Response r = c.readResponse(5_000);
      assertThat(r.status()).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getString("error"))
          .contains("both Transfer-Encoding and Content-Length");
      // No second answer (to the hidden request): the connection ends here.
      assertThat(c.drainText(3_000)).isEmpty();
      assertThat(c.closed).isTrue();
    } finally {
      api.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void brokenHttpIsAnsweredInTheErrorShape(Vertx vertx) throws Exception {
    ApiFixture.RunningApi api = ApiFixture.start(vertx, ApiConfig.defaults(ApiFixture.model("a")));
    int port = api.server().port();
    try {
      String[][] cases = {
        {"GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: t\r\n\r\n", "414"},
        {"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + "b".repeat(10_000) + "\r\n\r\n", "431"},
        {
          "POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              + "Transfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n",
          "400"
        },
        // HTTP/2 with prior knowledge (h2c) is not spoken: an HTTP/1.1 answer, not a SETTINGS
        // frame.
        {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "505"},
        {"GET /health HTTP/7.3\r\nHost: t\r\n\r\n", "505"},
      };
      for (String[] k : cases) {
        try (Raw c = new Raw(port)) {
          c.send(k[0]);
          Raw.Response r = c.readResponse(5_000);
          assertThat(r).as(k[0].substring(0, 20)).isNotNull();
          assertThat(r.status())
              .as(k[0].substring(0, 20) + " " + r.body())
              .isEqualTo(Integer.parseInt(k[1]));
          assertThat(r.headers()).containsIgnoringCase("content-type: application/json");
          assertThat(new JsonObject(r.body()).getString("error")).isNotBlank();
          assertThat(c.closedWithin((int) Responses.LINGER_MILLIS + 3_000)).isTrue();
        }
      }
      assertThat(get(api, "/health").statusCode()).isEqualTo(200);
    } finally {
      api.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ smaller items

  @Test
  void mediaTypesHeadAndParametersAreReadAsHttpMeansThem(Vertx vertx) throws Exception {
    ApiFixture.RunningApi api =
        ApiFixture.start(
            vertx, ApiConfig.defaults(ApiFixture.model("a")).withRuns(ApiFixture.runs()));
    try {
      Buffer row = Buffer.buffer("[{\"vol_moving_avg\":1000,\"adj_close_rolling_med\":20}]");
      // Media types are case-insensitive, parameters aside.
      assertThat(
              api.client()
                  .post("/predict")
                  .putHeader("content-type", "APPLICATION/JSON; Charset=UTF-8")
                  .sendBuffer(row)
                  .await(10, TimeUnit.SECONDS)
                  .statusCode())
          .isEqualTo(200);
      // POST answers JSON only; an Accept that excludes it is 406, as documented.
      HttpResponse<Buffer> csv =
          api.client()
              .post("/predict")
              .putHeader("content-type", "application/json")
              .putHeader("accept", "text/csv")
              .sendBuffer(row)
              .await(10, TimeUnit.SECONDS);
      assertThat(csv.statusCode()).isEqualTo(406);
      assertThat(csv.bodyAsJsonObject().getString("field")).isEqualTo("accept");
      // HEAD is GET without the body.
      for (String uri :
          List.of(
              "/health",
              "/ready",
              "/predict?vol_moving_avg=1000&adj_close_rolling_med=20",
              "/runs",
              "/runs/7")) {
        HttpResponse<Buffer> head = api.client().head(uri).send().await(10, TimeUnit.SECONDS);
        assertThat(head.statusCode()).as(uri).isEqualTo(200);
        assertThat(head.body()).as(uri).isNull();
      }
      // Only ASCII digits are numbers; empty column names are not names.
      for (String q : List.of("limit=%D9%A3", "limit=%EF%BC%95", "columns=,,", "columns=x_1,")) {
        HttpResponse<Buffer> r = get(api, "/runs/7/samples?" + q);
        assertThat(r.statusCode()).as(q).isEqualTo(400);
        assertThat(r.bodyAsJsonObject().getString("field")).as(q).isEqualTo(q.split("=")[0]);
      }
    } finally {
      api.server().stop().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void duckDbIsBoundedByTheApisConfiguration() throws Exception {
    try (RunsService runs = new RunsService(ApiFixture.runs(), 64, 1)) {
      assertThat(runs.setting("memory_limit")).isEqualTo("64.0 MiB");
      assertThat(runs.setting("threads")).isEqualTo("1");
    }
  }

  @Test
  void concurrentReloadChecksLoadAChangedModelOnce() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("strata-reload");
    java.nio.file.Path file = dir.resolve("model.bin");
    java.nio.file.Files.copy(ApiFixture.model("a"), file);
    try (ModelRegistry registry = new ModelRegistry(file, new ApiMetrics())) {
      registry.loadNow();
      java.nio.file.Files.copy(
          ApiFixture.model("b"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      java.nio.file.Files.setLastModifiedTime(
          file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
      List<Thread> checks = new ArrayList<>();
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      for (int i = 0; i < 8; i++) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  registry.checkForChange();
                });
        t.start();
        checks.add(t);
      }
      go.countDown();
      for (Thread t : checks) {
        t.join(60_000);
      }
      registry.checkForChange(); // the one that finds nothing new
      assertThat(registry.current().generation()).isEqualTo(2);
    }
  }

  private static HttpResponse<Buffer> get(ApiFixture.RunningApi api, String uri) throws Exception {
    return api.client().get(uri).send().await(30, TimeUnit.SECONDS);
  }

  /** A client on a plain socket, sending bytes as given and reading one response at a time. */
  static final class Raw implements AutoCloseable {
    record Response(int status, String headers, String body) {}

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    boolean closed;

    Raw(int port) throws IOException {
      this(port, 0);
    }

    /** {@code receiveBuffer} > 0 makes the socket's receive buffer that small (a slow reader). */
    Raw(int port, int receiveBuffer) throws IOException {
      socket = new Socket();
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    void send(String text) throws IOException {
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** Sends the head, then {@code bodyBytes} of body, from a thread of its own (it may block). */
    void sendInBackground(byte[] head, int bodyBytes) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  out.write(head);
                  byte[] chunk = new byte[8192];
                  java.util.Arrays.fill(chunk, (byte) ' ');
                  for (int sent = 0; sent < bodyBytes; sent += chunk.length) {
                    out.write(chunk, 0, Math.min(chunk.length, bodyBytes - sent));
                  }
                  out.flush();
                } catch (IOException e) {
                  // the server closed the connection: expected for refused bodies
                }
              });
      writer.setDaemon(true);
      writer.start();
    }

    /** The next response (head and a Content-Length body), or null if none came in time. */
    Response readResponse(int millis) throws IOException {
      long deadline = System.currentTimeMillis() + millis;
      while (true) {
        byte[] have = pending.toByteArray();
        String text = new String(have, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end >= 0) {
          String head = text.substring(0, end);
          java.util.regex.Matcher m =
              java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
          int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
          if (have.length >= end + 4 + length) {
            pending.reset();
            pending.write(have, end + 4 + length, have.length - end - 4 - length);
            int status = Integer.parseInt(head.substring(9, 12));
            return new Response(
                status, head, new String(have, end + 4, length, StandardCharsets.UTF_8));
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0 || closed) {
          return null;
        }
        readSome((int) left);
      }
    }

    /** True if the server closes the connection (EOF or reset) within the time. */
    boolean closedWithin(int millis) throws IOException {
      long deadline = System.currentTimeMillis() + millis;
      while (!closed) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          return false;
        }
        readSome((int) left);
      }
      return true;
    }

    /** Reads (a little) until {@code text} has arrived; false if it did not in time. */
    boolean awaitText(String text, int millis) throws IOException {
      long deadline = System.currentTimeMillis() + millis;
      while (!pending.toString(StandardCharsets.ISO_8859_1).contains(text)) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0 || closed) {
          return false;
        }
        readSome((int) left);
      }
      return true;
    }

    /** What arrives until the connection closes or the time is up, as text. */
    String drainText(int millis) throws IOException {
      long deadline = System.currentTimeMillis() + millis;
      while (!closed && System.currentTimeMillis() < deadline) {
        readSome((int) Math.max(1, deadline - System.currentTimeMillis()));
      }
      String text = pending.toString(StandardCharsets.ISO_8859_1);
      pending.reset();
      return text;
    }

    /** Reads everything until the connection closes or the time is up; returns the bytes read. */
    long drain(int millis) throws IOException {
      long total = pending.size();
      pending.reset();
      long deadline = System.currentTimeMillis() + millis;
      while (!closed && System.currentTimeMillis() < deadline) {
        total += readSome((int) Math.max(1, deadline - System.currentTimeMillis()));
        total += pending.size();
        pending.reset();
      }
      return total;
    }

    private int readSome(int millis) throws IOException {
      socket.setSoTimeout(Math.max(1, millis));
      byte[] b = new byte[65536];
      try {
        int n = in.read(b);
        if (n < 0) {
          closed = true;
          return 0;
        }
        pending.write(b, 0, n);
        return 0;
      } catch (SocketTimeoutException e) {
        return 0;
      } catch (java.net.SocketException e) {
        closed = true; // reset by the server
        return 0;
      }
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing
      }
    }
  }
}
