package dev.strata.pipelines.market;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.market.BarAppend;
import dev.strata.transforms.market.ParseBarFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * How stage ingest runs this time, decided from what its last manifest recorded of every bar file
 * ({@link BarFileScan}) and the listing now. Incremental when every change is one it can add
 * exactly: files that only grew (complete lines appended after the ingested bytes, which still have
 * their checksum) and new files, each the only file of its symbol. Anything else (no earlier run,
 * {@code --force}, a changed metadata file, a removed, shrunk or otherwise changed file, two files
 * of one symbol) makes it a full run, and the reason is said; a later step recomputes single
 * symbols instead.
 *
 * <p>Only files whose size or time changed are read (in parallel, to check and extend their
 * checksums); a full run reads every file once more for its record.
 */
final class IngestPlan {
  private final String reason; // null: incremental
  private final List<BarAppend> grown;
  private final List<MatchResult.Metadata> grownFiles;
  private final List<MatchResult.Metadata> whole;
  private final int added;
  private final int changed;
  private final int removed;
  private final java.util.SortedSet<String> recompute;
  private final PartRewrite rewrite; // null: a full run
  private final int unchanged;
  private final Map<String, ObjectNode> details;
  private final List<String> previousOutputs;
  private final long previousRows;
  private final List<MatchResult.Metadata> barFiles;

  private IngestPlan(
      String reason,
      List<BarAppend> grown,
      List<MatchResult.Metadata> grownFiles,
      List<MatchResult.Metadata> whole,
      int added,
      int changed,
      int removed,
      java.util.SortedSet<String> recompute,
      PartRewrite rewrite,
      int unchanged,
      Map<String, ObjectNode> details,
      List<String> previousOutputs,
      long previousRows,
      List<MatchResult.Metadata> barFiles) {
    this.reason = reason;
    this.grown = grown;
    this.grownFiles = grownFiles;
    this.whole = whole;
    this.added = added;
    this.changed = changed;
    this.removed = removed;
    this.recompute = recompute;
    this.rewrite = rewrite;
    this.unchanged = unchanged;
    this.details = details;
    this.previousOutputs = previousOutputs;
    this.previousRows = previousRows;
    this.barFiles = barFiles;
  }

  /**
   * The plan for {@code barFiles} and {@code metadata} after the run {@code previous} recorded
   * (null: none, or {@code --force}); {@code symbols} maps a file's name to its {@code Symbol}.
   */
  static IngestPlan of(
      JsonNode previous,
      List<MatchResult.Metadata> barFiles,
      MatchResult.Metadata metadata,
      Map<String, String> identities,
      ResourceId rawDir)
      throws IOException {
    if (previous == null) {
      return full("no committed run to add to (a first run, or --force)", barFiles);
    }
    if (!"succeeded".equals(previous.path("status").asText()) || !previous.has("outputs")) {
      return full("the last run left no manifest to add to", barFiles);
    }
    Map<String, JsonNode> before = new HashMap<>();
    previous.path("inputs").forEach(n -> before.put(n.path("path").asText(), n));
    JsonNode meta = before.remove(metadata.resourceId().toString());
    Map<String, String> oldIdentities = identities;
    if (meta == null || !sameStat(meta, metadata)) {
      oldIdentities = recordedMetadata(previous, rawDir);
      if (oldIdentities == null) {
        return full(
            IngestStage.METADATA_FILE + " changed and the last run kept no copy of it", barFiles);
      }
    }
    Map<String, MatchResult.Metadata> now = new LinkedHashMap<>();
    for (MatchResult.Metadata m : barFiles) {
      now.put(m.resourceId().toString(), m);
    }
    List<String> removed = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : before.entrySet()) {
      if (BarFileScan.of(e.getValue()) == null) {
        return full("the last run recorded no checksum of " + e.getKey(), barFiles);
      }
      if (!now.containsKey(e.getKey())) {
        removed.add(e.getKey());
      }
    }
    Map<String, ObjectNode> details = new TreeMap<>();
    List<MatchResult.Metadata> toRead = new ArrayList<>();
    int unchanged = 0;
    for (MatchResult.Metadata m : barFiles) {
      JsonNode b = before.get(m.resourceId().toString());
      if (b != null && sameStat(b, m)) {
        details.put(m.resourceId().toString(), BarFileScan.of(b).toJson(lastDay(b)));
        unchanged++;
      } else {
        toRead.add(m);
      }
    }
    // only the checksum's outcome is kept of each file, not its bytes; a grown file's prefix is
    // only checksummed, and a file is scanned whole only if it is new or did not just grow
    record Read(BarFileScan whole, BarFileScan grown) {}
    Map<String, Read> reads =
        scan(
            toRead,
            (m, ch) -> {
              JsonNode b = before.get(m.resourceId().toString());
              BarFileScan grown = b == null ? null : BarFileScan.grown(ch, BarFileScan.of(b));
              return new Read(grown == null ? BarFileScan.whole(ch) : null, grown);
            });
    List<BarAppend> grown = new ArrayList<>();
    List<MatchResult.Metadata> grownFiles = new ArrayList<>();
    List<MatchResult.Metadata> added = new ArrayList<>();
    List<MatchResult.Metadata> changed = new ArrayList<>();
    for (MatchResult.Metadata m : toRead) {
      String path = m.resourceId().toString();
      JsonNode b = before.get(path);
      Read read = reads.get(path);
      if (b == null) {
        added.add(m);
        details.put(path, read.whole().toJson(BarFileScan.NO_DAY));
        continue;
      }
      BarFileScan was = BarFileScan.of(b);
      BarFileScan is = read.grown();
      if (is == null) {
        changed.add(m); // edited, shrunk or rewritten: its symbol is recomputed
        details.put(path, read.whole().toJson(BarFileScan.NO_DAY));
        continue;
      }
      details.put(path, is.toJson(lastDay(b)));
      if (is.ingestedBytes() == was.ingestedBytes()) {
        unchanged++; // touched, or only an unfinished line: nothing to add yet
        continue;
      }
      grown.add(
          new BarAppend(path, was.ingestedBytes(), is.ingestedBytes(), was.lines(), lastDay(b)));
      grownFiles.add(m);
    }
    // The symbols recomputed from all of their files: those of changed and removed files, those
    // whose metadata row changed, and those made of two files (etfs/ and stocks/, or two names the
    // metadata maps to one: resolved across their files) that gained rows.
    java.util.SortedSet<String> recompute = new java.util.TreeSet<>();
    for (MatchResult.Metadata m : changed) {
      recompute.add(symbolOf(identities, m.resourceId().toString()));
    }
    for (String path : removed) {
      recompute.add(symbolOf(oldIdentities, path));
    }
    if (oldIdentities != identities) {
      List<String> names = new ArrayList<>(now.keySet());
      names.addAll(removed);
      for (String path : names) {
        String file = ParseBarFiles.symbolOfFile(path);
        if (!java.util.Objects.equals(oldIdentities.get(file), identities.get(file))) {
          recompute.add(symbolOf(oldIdentities, path));
          recompute.add(symbolOf(identities, path));
        }
      }
    }
    Map<String, List<String>> bySymbol = new HashMap<>();
    for (MatchResult.Metadata m : barFiles) {
      bySymbol
          .computeIfAbsent(symbolOf(identities, m.resourceId().toString()), k -> new ArrayList<>())
          .add(m.resourceId().toString());
    }
    List<MatchResult.Metadata> gained = new ArrayList<>(grownFiles);
    gained.addAll(added);
    for (MatchResult.Metadata m : gained) {
      String symbol = symbolOf(identities, m.resourceId().toString());
      if (bySymbol.get(symbol).size() > 1) {
        recompute.add(symbol);
      }
    }
    // every file of a recomputed symbol is read whole; new files are read whole anyway
    List<MatchResult.Metadata> whole = new ArrayList<>();
    for (MatchResult.Metadata m : barFiles) {
      if (recompute.contains(symbolOf(identities, m.resourceId().toString()))
          || !before.containsKey(m.resourceId().toString())) {
        whole.add(m);
      }
    }
    // a file read whole is recorded whole (its last line too, as a full run reads it)
    List<MatchResult.Metadata> unread = new ArrayList<>();
    for (MatchResult.Metadata m : whole) {
      Read read = reads.get(m.resourceId().toString());
      if (read == null || read.whole() == null) {
        unread.add(m);
      }
    }
    Map<String, BarFileScan> more = scan(unread, (m, ch) -> BarFileScan.whole(ch));
    for (MatchResult.Metadata m : whole) {
      String path = m.resourceId().toString();
      Read read = reads.get(path);
      BarFileScan w = read != null && read.whole() != null ? read.whole() : more.get(path);
      details.put(path, w.toJson(BarFileScan.NO_DAY));
    }
    List<BarAppend> appends = new ArrayList<>();
    List<MatchResult.Metadata> appendFiles = new ArrayList<>();
    for (int i = 0; i < grown.size(); i++) {
      if (!recompute.contains(symbolOf(identities, grown.get(i).path()))) {
        appends.add(grown.get(i));
        appendFiles.add(grownFiles.get(i));
      }
    }
    List<String> outputs = new ArrayList<>();
    previous.path("outputs").forEach(n -> outputs.add(n.asText()));
    return new IngestPlan(
        null,
        appends,
        appendFiles,
        whole,
        added.size(),
        changed.size(),
        removed.size(),
        recompute,
        PartRewrite.of(rawDir, outputs, recompute, false),
        unchanged,
        details,
        outputs,
        PartRewrite.rowsTotal(previous),
        barFiles);
  }

  /** A bar file's {@code Symbol} under {@code identities} ({@code NASDAQ Symbol} → identity). */
  static String symbolOf(Map<String, String> identities, String path) {
    String file = ParseBarFiles.symbolOfFile(path);
    String identity = identities.get(file);
    return identity == null ? file : identity.substring(0, identity.indexOf('\t'));
  }

  /** The metadata the last run read (its copy in raw's state), as identities; null if none. */
  private static Map<String, String> recordedMetadata(JsonNode previous, ResourceId rawDir)
      throws IOException {
    for (JsonNode n : previous.path("state")) {
      if (n.asText().startsWith(StageRunner.STATE + "/" + IngestStage.METADATA_COPY)) {
        return IngestStage.identities(
            new String(
                Store.read(Store.file(rawDir, n.asText())),
                java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return null;
  }

  /** A full run: every bar file read for its record. */
  private static IngestPlan full(String reason, List<MatchResult.Metadata> barFiles)
      throws IOException {
    Map<String, BarFileScan> scans = scan(barFiles, (m, ch) -> BarFileScan.whole(ch));
    Map<String, ObjectNode> details = new TreeMap<>();
    scans.forEach((path, scan) -> details.put(path, scan.toJson(BarFileScan.NO_DAY)));
    return new IngestPlan(
        reason,
        List.of(),
        List.of(),
        List.of(),
        0,
        0,
        0,
        new java.util.TreeSet<>(),
        null,
        0,
        details,
        List.of(),
        0,
        barFiles);
  }

  /** This plan turned into a full run for {@code why} (an increment that could not be added). */
  IngestPlan full(String why) throws IOException {
    return full(why, barFiles);
  }

  boolean incremental() {
    return reason == null;
  }

  String reason() {
    return reason;
  }

  List<BarAppend> grown() {
    return grown;
  }

  List<MatchResult.Metadata> grownFiles() {
    return grownFiles;
  }

  /** The files parsed whole: new files and every file of a recomputed symbol. */
  List<MatchResult.Metadata> whole() {
    return whole;
  }

  int added() {
    return added;
  }

  /** The symbols recomputed from all of their files (their old rows are dropped). */
  java.util.SortedSet<String> recompute() {
    return recompute;
  }

  /** The published part files holding rows of a recomputed symbol: rewritten without them. */
  PartRewrite rewrite() {
    return rewrite;
  }

  int unchanged() {
    return unchanged;
  }

  /** What the manifest records of each bar file (the body adds the last dates). */
  Map<String, ObjectNode> details() {
    return details;
  }

  List<String> previousOutputs() {
    return previousOutputs;
  }

  long previousRows() {
    return previousRows;
  }

  /** The manifest's {@code run}: the kind of run and what it touched. */
  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", incremental() ? "incremental" : "full");
    if (!incremental()) {
      m.put("reason", reason);
      m.put("files", barFiles.size());
    } else {
      m.put("files_grown", grown.size());
      m.put("files_new", added);
      m.put("files_changed", changed);
      m.put("files_removed", removed);
      m.put("files_unchanged", unchanged);
      m.put("symbols_recomputed", recompute.size());
      m.put("recomputed", List.copyOf(recompute));
      m.put("parts_rewritten", List.copyOf(rewrite.affected()));
    }
    return m;
  }

  private static boolean sameStat(JsonNode entry, MatchResult.Metadata m) {
    return entry.path("size").asLong() == m.sizeBytes()
        && entry.path("modified_ms").asLong() == m.lastModifiedMillis();
  }

  private static int lastDay(JsonNode entry) {
    return entry.has("last_day") ? entry.path("last_day").asInt() : BarFileScan.NO_DAY;
  }

  private static String sample(List<String> paths) {
    return paths.size() > 5 ? paths.subList(0, 5) + "..." : paths.toString();
  }

  /** What is made of one file's bytes, read from {@code ch} (a chunk at a time). */
  private interface Scanner<R> {
    R scan(MatchResult.Metadata file, java.nio.channels.SeekableByteChannel ch);
  }

  /**
   * {@code scanner} over every file's bytes, by a few threads (the checksum costs less than the
   * reading); only the results are kept, and each thread reads through one buffer of {@link
   * BarFileScan#CHUNK} bytes, so memory does not grow with the files.
   */
  private static <R> Map<String, R> scan(List<MatchResult.Metadata> files, Scanner<R> scanner)
      throws IOException {
    Map<String, R> out = new HashMap<>();
    if (files.isEmpty()) {
      return out;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(files.size(), Math.max(2, Runtime.getRuntime().availableProcessors())));
    try {
      Map<String, Future<R>> reads = new LinkedHashMap<>();
      for (MatchResult.Metadata m : files) {
        reads.put(
            m.resourceId().toString(),
            pool.submit(
                () -> {
                  try (java.nio.channels.SeekableByteChannel ch =
                      Store.openSeekable(m.resourceId())) {
                    return scanner.scan(m, ch);
                  }
                }));
      }
      for (Map.Entry<String, Future<R>> e : reads.entrySet()) {
        out.put(e.getKey(), e.getValue().get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the bar files", e);
    } catch (ExecutionException e) {
      Throwable cause =
          e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
      throw cause instanceof IOException io ? io : new IOException(cause);
    } finally {
      pool.shutdownNow();
    }
    return out;
  }
}
