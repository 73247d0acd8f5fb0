package dev.strata.pipelines.market.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipelines.launcher.BuildInfo;
import dev.strata.pipelines.launcher.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stage 0 of the market DAG: fetches a Kaggle dataset archive through Kaggle's API into a staging
 * folder and unpacks it there in the layout ingest reads.
 *
 * <p>{@code GET <api>/datasets/download/<owner>/<dataset>} with HTTP basic auth answers with a
 * redirect to the archive; redirects are followed by hand so that the credentials go to Kaggle's
 * host only, never to the storage host the archive lives on. The archive streams to {@code
 * <staging>/.download/<owner>__<dataset>.zip.part}; an interrupted transfer resumes with a {@code
 * Range} request; transient failures (connection errors, 408, 429, 5xx) are retried with
 * exponential backoff; long transfers print bytes, rate and ETA. The archive is then checked (size
 * against the server's, every entry read through its CRC), unpacked into a temporary folder with
 * every entry required to stay inside it, and moved into place; {@code
 * <staging>/_download_manifest.json} records source, bytes, SHA-256 and times last. A rerun whose
 * manifest matches the archive on disk and finds the layout in place skips the stage.
 *
 * <p>Credentials come from {@code KAGGLE_USERNAME}/{@code KAGGLE_KEY} or the {@code kaggle.json}
 * Kaggle's own CLI uses ({@code $KAGGLE_CONFIG_DIR} or {@code ~/.kaggle}); they never appear in
 * logs, manifests or error messages.
 */
public final class KaggleDownload {
  public static final String MANIFEST = "_download_manifest.json";

  /** A download that cannot succeed; the message says why, without credentials. */
  public static final class Failed extends IOException {
    Failed(String message) {
      super(message);
    }

    /** {@code e} as a {@code Failed} if it says the disk is full, else {@code e} itself. */
    static IOException diskFull(Path file, IOException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("No space left") || m.contains("Disk quota")) {
        return new Failed("the disk is full while writing " + file + " (" + m + ")");
      }
      return e;
    }
  }

  /** What to fetch and how hard to try. */
  public record Request(
      String dataset,
      String apiBase,
      Path credentialsFile,
      int retries,
      Duration firstBackoff,
      Duration stall) {}

  private final Request request;
  private final PrintStream log;
  private final String owner;
  private final String name;
  private final HttpClient http;
  private boolean skipped;

  public KaggleDownload(Request request, PrintStream log) {
    this.request = request;
    this.log = log;
    Matcher m = Pattern.compile("([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)").matcher(request.dataset());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "--download takes owner/dataset as on Kaggle, like jacksoncrow/stock-market-dataset, not "
              + request.dataset());
    }
    this.owner = m.group(1);
    this.name = m.group(2);
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(20))
            .build();
  }

  /** Downloads (or skips) and unpacks into {@code staging}; returns the manifest. */
  public JsonNode run(Path staging) throws IOException, InterruptedException {
    Files.createDirectories(staging);
    Path manifestPath = staging.resolve(MANIFEST);
    Path archive = staging.resolve(".download").resolve(owner + "__" + name + ".zip");
    String source =
        request.apiBase().replaceAll("/+$", "") + "/datasets/download/" + owner + "/" + name;
    if (Files.isRegularFile(manifestPath)) {
      JsonNode m = Json.MAPPER.readTree(manifestPath.toFile());
      if (source.equals(m.path("source").asText())
          && Files.isRegularFile(archive)
          && Files.size(archive) == m.path("bytes").asLong()
          && layoutInPlace(staging, m)) {
        log.printf(
            "[download] skipped: %s already here and complete (%,d bytes, sha256 %s)%n",
            request.dataset(), m.path("bytes").asLong(), m.path("sha256").asText());
        skipped = true;
        return m;
      }
    }
    Instant start = Instant.now();
    Files.createDirectories(archive.getParent());
    Path part = archive.resolveSibling(archive.getFileName() + ".part");
    long bytes = fetch(URI.create(source), part);
    String sha =
        dev.strata.transforms.warehouse.FileLoader.checksum(
            () -> java.nio.channels.FileChannel.open(part, StandardOpenOption.READ));
    Files.move(part, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    java.util.List<String> entries;
    try {
      entries = SafeUnzip.unpack(archive, staging);
    } catch (Failed bad) {
      Files.deleteIfExists(archive); // a bad archive is fetched afresh next time
      throw bad;
    }
    Instant end = Instant.now();
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("stage", "download");
    m.put("status", "succeeded");
    m.put("code_version", BuildInfo.version());
    m.put("dataset", request.dataset());
    m.put("source", source);
    m.put("archive", archive.toString());
    m.put("bytes", bytes);
    m.put("sha256", sha);
    m.put("started_at", start.toString());
    m.put("finished_at", end.toString());
    m.put("duration_s", Duration.between(start, end).toMillis() / 1000.0);
    m.put("entries", entries.size());
    var top = m.putArray("unpacked");
    entries.stream().map(e -> e.split("/")[0]).distinct().sorted().forEach(top::add);
    Path tmp = staging.resolve("." + MANIFEST + ".tmp");
    Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), m);
    Files.move(
        tmp, manifestPath, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    log.printf(
        "[download] %s: %,d bytes, %d entries unpacked into %s in %.1f s (sha256 %s)%n",
        request.dataset(),
        bytes,
        entries.size(),
        staging,
        Duration.between(start, end).toMillis() / 1000.0,
        sha);
    return m;
  }

  /** Whether the last {@link #run} found the archive already in place. */
  public boolean skipped() {
    return skipped;
  }

  private static boolean layoutInPlace(Path staging, JsonNode m) {
    for (JsonNode t : m.path("unpacked")) {
      if (!Files.exists(staging.resolve(t.asText()))) {
        return false;
      }
    }
    return m.path("unpacked").size() > 0;
  }

  // ------------------------------------------------------------------ transfer

  /** Streams the archive into {@code part}, resuming and retrying; returns its size. */
  long fetch(URI api, Path part) throws IOException, InterruptedException {
    Duration backoff = request.firstBackoff();
    IOException last = null;
    for (int attempt = 0; attempt <= request.retries(); attempt++) {
      if (attempt > 0) {
        log.printf(
            "[download] %s; retry %d of %d in %.1f s%n",
            last.getMessage(), attempt, request.retries(), backoff.toMillis() / 1000.0);
        Thread.sleep(backoff.toMillis());
        backoff = backoff.multipliedBy(2);
      }
      try {
        return transfer(api, part);
      } catch (Failed f) {
        throw f; // not transient
      } catch (IOException e) {
        last = e;
      }
    }
    throw new Failed(
        "download of "
            + request.dataset()
            + " failed after "
            + (request.retries() + 1)
            + " attempts: "
            + last.getMessage());
  }

  /** One attempt: API request, redirects, then the archive from where .part ends. */
  private long transfer(URI api, Path part) throws IOException, InterruptedException {
    URI uri = api;
    boolean toKaggle = true;
    for (int hop = 0; hop < 10; hop++) {
      long have = Files.exists(part) ? Files.size(part) : 0;
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET();
      if (toKaggle) {
        b.header("Authorization", KaggleCredentials.basicAuth(request.credentialsFile()));
      }
      Path etagFile = part.resolveSibling(part.getFileName() + ".etag");
      if (have > 0) {
        b.header("Range", "bytes=" + have + "-");
        if (!toKaggle && Files.isRegularFile(etagFile)) {
          // Resume only the same version of the archive; a changed one comes whole (200).
          b.header("If-Range", Files.readString(etagFile).strip());
        }
      }
      HttpResponse<InputStream> r;
      try {
        r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        throw new IOException("connection to " + hostOf(uri) + " failed (" + e + ")", e);
      }
      int code = r.statusCode();
      if (code >= 300 && code < 400 && r.headers().firstValue("Location").isPresent()) {
        r.body().close();
        URI next = uri.resolve(r.headers().firstValue("Location").get());
        // Credentials go to Kaggle's API host only, not to the storage host it redirects to.
        toKaggle = toKaggle && sameOrigin(api, next);
        uri = next;
        continue;
      }
      if (code == 200 || code == 206) {
        if (code == 200) {
          Files.deleteIfExists(etagFile);
          java.util.Optional<String> etag = r.headers().firstValue("ETag");
          if (etag.isPresent()) {
            Files.writeString(etagFile, etag.get());
          }
        }
        return receive(r, part, have);
      }
      r.body().close();
      switch (code) {
        case 401, 403 ->
            throw new Failed(
                "Kaggle refused the credentials (HTTP "
                    + code
                    + ") for "
                    + request.dataset()
                    + ": check KAGGLE_USERNAME and KAGGLE_KEY, or the kaggle.json file"
                    + " (https://www.kaggle.com/settings -> API -> Create New Token), and that"
                    + " the dataset's terms were accepted on its page");
        case 404 ->
            throw new Failed(
                "no such dataset on Kaggle: "
                    + request.dataset()
                    + " (HTTP 404 from "
                    + hostOf(uri)
                    + ")");
        case 416 -> {
          if (r.headers().firstValue("Content-Range").orElse("").equals("bytes */" + have)) {
            return have; // the .part was already whole (a run stopped before renaming it)
          }
          // Our .part is not a prefix the server knows (the archive changed): start over.
          Files.deleteIfExists(part);
          throw new IOException("the server refused to resume (HTTP 416); starting over");
        }
        default -> {
          if (code == 408 || code == 429 || code >= 500) {
            throw new IOException("HTTP " + code + " from " + hostOf(uri));
          }
          throw new Failed("HTTP " + code + " from " + hostOf(uri) + " for " + request.dataset());
        }
      }
    }
    throw new Failed("more than 10 redirects for " + request.dataset());
  }

  private long receive(HttpResponse<InputStream> r, Path part, long have) throws IOException {
    long offset = 0;
    long total = -1;
    if (r.statusCode() == 206) {
      Matcher m =
          Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)")
              .matcher(r.headers().firstValue("Content-Range").orElse(""));
      if (!m.matches() || Long.parseLong(m.group(1)) != have) {
        r.body().close();
        Files.deleteIfExists(part);
        throw new IOException("the server resumed at the wrong place; starting over");
      }
      offset = have;
      total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
    } else {
      long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
      total = length;
    }
    if (total > 0) {
      long free = Files.getFileStore(part.getParent()).getUsableSpace();
      // the archive, then its unpacked files (at least as big again)
      if (free < 2 * (total - offset)) {
        r.body().close();
        throw new Failed(
            String.format(
                "not enough disk space in %s: the archive is %,d bytes and needs about %,d more"
                    + " to unpack; %,d bytes free",
                part.getParent(), total, total, free));
      }
    }
    if (offset > 0) {
      log.printf("[download] resuming at %,d of %,d bytes%n", offset, total);
    }
    StandardOpenOption mode =
        offset > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
    long done = offset;
    long t0 = System.nanoTime();
    long lastReport = t0;
    // A read has no timeout of its own: a watchdog closes a stream that brought nothing for
    // request.stall(), and the transfer is retried from where it stopped.
    java.util.concurrent.atomic.AtomicLong lastBytes =
        new java.util.concurrent.atomic.AtomicLong(t0);
    java.util.concurrent.atomic.AtomicBoolean stalled =
        new java.util.concurrent.atomic.AtomicBoolean();
    InputStream body = r.body();
    java.util.concurrent.ScheduledExecutorService watchdog =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread t = new Thread(task, "download-watchdog");
              t.setDaemon(true);
              return t;
            });
    long checkMs = Math.max(100, Math.min(5_000, request.stall().toMillis() / 4));
    watchdog.scheduleAtFixedRate(
        () -> {
          if (System.nanoTime() - lastBytes.get() > request.stall().toNanos()) {
            stalled.set(true);
            try {
              body.close();
            } catch (IOException e) {
              // closing is all we want
            }
          }
        },
        checkMs,
        checkMs,
        java.util.concurrent.TimeUnit.MILLISECONDS);
    try (InputStream in = body;
        OutputStream out =
            Files.newOutputStream(
                part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = read(in, buf, stalled)) > 0) {
        lastBytes.set(System.nanoTime());
        try {
          out.write(buf, 0, n);
        } catch (IOException e) {
          throw Failed.diskFull(part, e);
        }
        done += n;
        long now = System.nanoTime();
        if (now - lastReport > 2_000_000_000L) {
          lastReport = now;
          double rate = (done - offset) / ((now - t0) / 1e9);
          log.printf(
              "[download] %,d%s bytes, %.1f MB/s%s%n",
              done,
              total > 0 ? String.format(" of %,d", total) : "",
              rate / 1e6,
              total > 0 ? String.format(", ETA %.0f s", (total - done) / rate) : "");
        }
      }
    } finally {
      watchdog.shutdownNow();
    }
    if (stalled.get() || (total > 0 && done != total)) {
      throw new IOException(
          String.format(
              "the transfer %s at %,d of %,d bytes",
              stalled.get()
                  ? "stalled (no bytes for " + request.stall().toSeconds() + " s)"
                  : "ended",
              done,
              total));
    }
    return done;
  }

  private static int read(
      InputStream in, byte[] buf, java.util.concurrent.atomic.AtomicBoolean stalled)
      throws IOException {
    try {
      return in.read(buf);
    } catch (IOException e) {
      if (stalled.get()) {
        return -1; // the watchdog closed it: reported as a stall
      }
      throw e;
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(String.valueOf(b.getScheme()))
        && a.getHost().equalsIgnoreCase(String.valueOf(b.getHost()))
        && a.getPort() == b.getPort();
  }

  private static String hostOf(URI u) {
    return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
  }

  /** Where Kaggle's CLI keeps kaggle.json: $KAGGLE_CONFIG_DIR, else ~/.kaggle. */
  public static Path defaultCredentials() {
    return KaggleCredentials.defaultFile();
  }
}
