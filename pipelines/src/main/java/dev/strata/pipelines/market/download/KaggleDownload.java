package dev.strata.pipelines.market.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipelines.launcher.BuildInfo;
import dev.strata.pipelines.launcher.Json;
import dev.strata.transforms.common.Checksums;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
  private final ResumableTransfer transfer;
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
    this.transfer = new ResumableTransfer(request, log);
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
    long bytes = transfer.fetch(URI.create(source), part);
    String sha = Checksums.sha256(() -> FileChannel.open(part, StandardOpenOption.READ));
    Files.move(part, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    List<String> entries;
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

  /** Where Kaggle's CLI keeps kaggle.json: $KAGGLE_CONFIG_DIR, else ~/.kaggle. */
  public static Path defaultCredentials() {
    return KaggleCredentials.defaultFile();
  }
}
