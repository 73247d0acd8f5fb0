package dev.strata.pipelines.market.download;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.strata.pipelines.launcher.Json;
import dev.strata.pipelines.testing.JobRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.After;
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Stage 0 against a Kaggle stand-in on loopback (the JDK's HTTP server): the API answers with a
 * redirect to a second server holding the archive, which can cut a transfer in the middle, fail
 * transiently, serve a corrupt or hostile archive, or claim an archive larger than the disk.
 */
public class KaggleDownloadTest {
  @ClassRule public static final TemporaryFolder SHARED = new TemporaryFolder();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final String USER = "strata-test";
  static final String KEY = "0123456789abcdef0123456789abcdef";
  static final String DATASET = "jacksoncrow/stock-market-dataset";
  static byte[] sampleZip;

  HttpServer api;
  HttpServer storage;
  volatile byte[] archive;
  final List<String> apiAuth = Collections.synchronizedList(new ArrayList<>());
  final List<String> storageAuth = Collections.synchronizedList(new ArrayList<>());
  final List<String> ranges = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger cutsLeft = new AtomicInteger();
  final AtomicInteger failuresLeft = new AtomicInteger();
  final AtomicInteger stallsLeft = new AtomicInteger();
  volatile long claimedLength = -1;
  Path credentials;

  /** The bundled stock sample as a zip in the Kaggle layout. */
  static synchronized byte[] sampleZip() throws IOException {
    if (sampleZip == null) {
      Path root = Path.of("src/test/resources/stocks-sample");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ZipOutputStream zip = new ZipOutputStream(bytes);
          Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          zip.putNextEntry(new ZipEntry(root.relativize(f).toString().replace('\\', '/')));
          Files.copy(f, zip);
          zip.closeEntry();
        }
      }
      sampleZip = bytes.toByteArray();
    }
    return sampleZip;
  }

  @Before
  public void start() throws Exception {
    archive = sampleZip();
    credentials = tmp.newFile("kaggle.json").toPath();
    Files.writeString(credentials, "{\"username\": \"" + USER + "\", \"key\": \"" + KEY + "\"}");
    storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    storage.createContext("/bucket/archive.zip", this::serveArchive);
    storage.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    storage.start();
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext(
        "/api/v1/datasets/download/",
        ex -> {
          apiAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
          String expected =
              "Basic "
                  + java.util.Base64.getEncoder()
                      .encodeToString((USER + ":" + KEY).getBytes(StandardCharsets.UTF_8));
          String path = ex.getRequestURI().getPath();
          if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            empty(ex, 401);
          } else if (!path.endsWith("/" + DATASET)) {
            empty(ex, 404);
          } else {
            ex.getResponseHeaders()
                .add(
                    "Location",
                    "http://127.0.0.1:"
                        + storage.getAddress().getPort()
                        + "/bucket/archive.zip?signature=abc");
            empty(ex, 302);
          }
        });
    api.start();
  }

  @After
  public void stop() {
    api.stop(0);
    storage.stop(0);
  }

  static void empty(HttpExchange ex, int code) throws IOException {
    ex.sendResponseHeaders(code, -1);
    ex.close();
  }

  void serveArchive(HttpExchange ex) throws IOException {
    storageAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
    if (failuresLeft.getAndDecrement() > 0) {
      empty(ex, 503);
      return;
    }
    byte[] a = archive;
    String range = ex.getRequestHeaders().getFirst("Range");
    int from = 0;
    if (range != null) {
      ranges.add(range);
      from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
      ex.getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + (a.length - 1) + "/" + a.length);
      ex.sendResponseHeaders(206, a.length - from);
    } else {
      ex.sendResponseHeaders(200, claimedLength > 0 ? claimedLength : a.length);
    }
    try (OutputStream out = ex.getResponseBody()) {
      if (claimedLength > 0) {
        out.write(a, 0, 1000);
        return;
      }
      if (range == null && stallsLeft.getAndDecrement() > 0) {
        out.write(a, 0, a.length / 3); // then nothing more, with the connection open
        out.flush();
        try {
          Thread.sleep(8_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      if (range == null && cutsLeft.getAndDecrement() > 0) {
        out.write(a, 0, a.length / 2); // then the connection drops
        out.flush();
        try {
          Thread.sleep(200); // let the client take some of it first
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ex.getHttpContext().getServer().stop(0);
        restartStorage(ex.getHttpContext().getServer().getAddress().getPort());
        return;
      }
      out.write(a, from, a.length - from);
    } catch (IOException e) {
      // the client went away
    }
  }

  /** After a cut, the storage server comes back on the same port, as a real one would. */
  void restartStorage(int port) {
    new Thread(
            () -> {
              for (int i = 0; i < 50; i++) {
                try {
                  HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
                  s.createContext("/bucket/archive.zip", this::serveArchive);
                  s.start();
                  storage = s;
                  return;
                } catch (IOException e) {
                  try {
                    Thread.sleep(100);
                  } catch (InterruptedException x) {
                    return;
                  }
                }
              }
            })
        .start();
  }

  KaggleDownload downloader(String dataset, ByteArrayOutputStream log) {
    return new KaggleDownload(
        new KaggleDownload.Request(
            dataset,
            "http://127.0.0.1:" + api.getAddress().getPort() + "/api/v1",
            credentials,
            4,
            Duration.ofMillis(200),
            Duration.ofSeconds(1)),
        new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  void assertResumedOnceWithin(long sent) {
    assertEquals(ranges.toString(), 1, ranges.size());
    long from = Long.parseLong(ranges.get(0).replaceAll("bytes=(\\d+)-", "$1"));
    assertTrue(ranges.toString(), from > 0 && from <= sent);
  }

  @Test
  public void downloadsThroughTheRedirectUnpacksAndThenSkips() throws Exception {
    Path staging = tmp.newFolder("staging").toPath();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    JsonNode m = downloader(DATASET, log).run(staging);
    assertEquals(archive.length, m.get("bytes").asLong());
    assertEquals(sha256(archive), m.get("sha256").asText());
    assertEquals(
        List.of(".download", KaggleDownload.MANIFEST, "etfs", "stocks", "symbols_valid_meta.csv"),
        names(staging));
    assertEquals(
        Files.size(Path.of("src/test/resources/stocks-sample/symbols_valid_meta.csv")),
        Files.size(staging.resolve("symbols_valid_meta.csv")));
    // the credentials went to the API host only, not to the storage host
    assertTrue(apiAuth.get(0).startsWith("Basic "));
    assertEquals(List.of("null"), storageAuth);
    // again: nothing fetched
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    downloader(DATASET, again).run(staging);
    assertTrue(again.toString(), again.toString().contains("[download] skipped"));
    assertEquals(1, storageAuth.size());
    String all =
        log + again.toString() + Files.readString(staging.resolve(KaggleDownload.MANIFEST));
    assertFalse("the key leaked", all.contains(KEY));
  }

  @Test
  public void aTransferCutInTheMiddleResumesWithARangeRequest() throws Exception {
    cutsLeft.set(1);
    failuresLeft.set(0);
    Path staging = tmp.newFolder("cut").toPath();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    JsonNode m = downloader(DATASET, log).run(staging);
    // one resume, from wherever the client's copy ended (at most the half the server sent)
    assertResumedOnceWithin(archive.length / 2);
    assertEquals(sha256(archive), m.get("sha256").asText());
    Path kept = staging.resolve(".download/jacksoncrow__stock-market-dataset.zip");
    assertEquals(sha256(archive), sha256(Files.readAllBytes(kept)));
    assertTrue(log.toString(), log.toString().contains("resuming at"));
  }

  @Test
  public void aStalledTransferIsAbandonedAndResumed() throws Exception {
    stallsLeft.set(1);
    Path staging = tmp.newFolder("stall").toPath();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    long t0 = System.nanoTime();
    JsonNode m = downloader(DATASET, log).run(staging);
    assertTrue(log.toString(), log.toString().contains("stalled (no bytes for 1 s)"));
    assertResumedOnceWithin(archive.length / 3);
    assertEquals(sha256(archive), m.get("sha256").asText());
    // resumed after the 1 s stall limit, long before the server's 8 s silence ended
    assertTrue((System.nanoTime() - t0) / 1e9 < 7);
  }

  @Test
  public void transientFailuresAreRetried() throws Exception {
    failuresLeft.set(2);
    Path staging = tmp.newFolder("retry").toPath();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    downloader(DATASET, log).run(staging);
    assertTrue(log.toString(), log.toString().contains("HTTP 503"));
    assertTrue(log.toString(), log.toString().contains("retry 2 of 4"));
    assertTrue(Files.isDirectory(staging.resolve("stocks")));
  }

  @Test
  public void badCredentialsAndUnknownDatasetsGiveClearErrors() throws Exception {
    Path staging = tmp.newFolder("errors").toPath();
    KaggleDownload.Failed e =
        assertThrows(
            KaggleDownload.Failed.class,
            () ->
                downloader("jacksoncrow/no-such-dataset", new ByteArrayOutputStream())
                    .run(staging));
    assertTrue(e.getMessage(), e.getMessage().startsWith("no such dataset on Kaggle"));
    Files.writeString(credentials, "{\"username\": \"" + USER + "\", \"key\": \"wrong-key\"}");
    e =
        assertThrows(
            KaggleDownload.Failed.class,
            () -> downloader(DATASET, new ByteArrayOutputStream()).run(staging));
    assertTrue(
        e.getMessage(), e.getMessage().startsWith("Kaggle refused the credentials (HTTP 401)"));
    assertFalse(e.getMessage().contains("wrong-key"));
    assertEquals(List.of(".download"), names(staging));
  }

  @Test
  public void aCorruptArchiveIsRefusedAndNothingIsUnpacked() throws Exception {
    byte[] junk = new byte[200_000];
    new Random(3).nextBytes(junk);
    archive = junk;
    Path staging = tmp.newFolder("corrupt").toPath();
    KaggleDownload.Failed e =
        assertThrows(
            KaggleDownload.Failed.class,
            () -> downloader(DATASET, new ByteArrayOutputStream()).run(staging));
    assertTrue(e.getMessage(), e.getMessage().contains("not a readable zip"));
    assertEquals(List.of(".download"), names(staging));
    assertEquals(List.of(), names(staging.resolve(".download")));
  }

  @Test
  public void anArchiveLargerThanTheDiskIsRefusedBeforeWriting() throws Exception {
    claimedLength = 1L << 55; // 32 PiB
    Path staging = tmp.newFolder("full").toPath();
    KaggleDownload.Failed e =
        assertThrows(
            KaggleDownload.Failed.class,
            () -> downloader(DATASET, new ByteArrayOutputStream()).run(staging));
    assertTrue(e.getMessage(), e.getMessage().startsWith("not enough disk space"));
  }

  @Test
  public void theDagRunsFromDownloadToFeatures() throws Exception {
    Path staging = tmp.newFolder("dag-in").toPath();
    Path out = tmp.newFolder("dag-out").toPath();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    String[] args = {
      "market",
      "--download=" + DATASET,
      "--kaggleApi=http://127.0.0.1:" + api.getAddress().getPort() + "/api/v1",
      "--kaggleCredentials=" + credentials,
      "--input=" + staging,
      "--output=" + out,
      "--stages=ingest,features",
      JobRun.DIRECT
    };
    log.writeBytes(JobRun.ok(args).getBytes(StandardCharsets.UTF_8));
    JsonNode raw = Json.MAPPER.readTree(out.resolve("raw/_manifest.json").toFile());
    JsonNode features = Json.MAPPER.readTree(out.resolve("features/_manifest.json").toFile());
    // every CSV row of the unpacked archive, counted by DuckDB, is accounted for by ingest
    long csvRows;
    try (var duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        var s = duck.createStatement();
        var r =
            s.executeQuery(
                "SELECT count(*) FROM read_csv(['"
                    + staging
                    + "/etfs/*.csv', '"
                    + staging
                    + "/stocks/*.csv'], header=true, all_varchar=true)")) {
      r.next();
      csvRows = r.getLong(1);
    }
    assertEquals(csvRows, raw.at("/rows/in").asLong());
    assertEquals(
        raw.at("/rows/in").asLong(),
        raw.at("/rows/out").asLong() + raw.at("/rows/rejected").asLong());
    assertEquals(raw.at("/rows/out").asLong(), features.at("/rows/out").asLong());
    assertTrue(log.toString(), log.toString().contains("[download] " + DATASET));
    String dag = Files.readString(out.resolve("_dag.dot"));
    assertTrue(dag, dag.contains("download (Kaggle API)") && dag.contains(DATASET));
    assertFalse(log.toString().contains(KEY));
  }
}
