package dev.strata.pipelines.market.download;

import dev.strata.pipelines.market.download.KaggleDownload.Failed;
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
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches the archive from Kaggle's API into a {@code .part} file: follows the redirect to the
 * storage host by hand, sending the credentials to Kaggle's host only; resumes an interrupted
 * transfer with a {@code Range} request ({@code If-Range} on the ETag, so a changed archive comes
 * whole); closes a stream that stalls; retries transient failures (connection errors, 408, 429,
 * 5xx) with exponential backoff; reports bytes, rate and ETA on long transfers.
 */
final class ResumableTransfer {
  private final KaggleDownload.Request request;
  private final PrintStream log;
  private final HttpClient http;

  ResumableTransfer(KaggleDownload.Request request, PrintStream log) {
    this.request = request;
    this.log = log;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(20))
            .build();
  }

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
          Optional<String> etag = r.headers().firstValue("ETag");
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
    AtomicLong lastBytes = new AtomicLong(t0);
    AtomicBoolean stalled = new AtomicBoolean();
    InputStream body = r.body();
    ScheduledExecutorService watchdog =
        Executors.newSingleThreadScheduledExecutor(
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
        TimeUnit.MILLISECONDS);
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

  private static int read(InputStream in, byte[] buf, AtomicBoolean stalled) throws IOException {
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
}
