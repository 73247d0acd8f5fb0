package dev.strata.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Runs one stage of a job with lineage and skip logic.
 *
 * <p>A stage owns {@code <output>/<stage>/} and {@code <output>/_rejected/<stage>/}. It first
 * fingerprints its inputs (path, size, modification time of every file) and options; if {@code
 * <output>/<stage>/_manifest.json} records the same fingerprint from a successful run, the stage is
 * skipped (unless forced). Otherwise the stage writes into fresh {@code .inprogress} directories
 * and only when the body succeeded and its row accounting balances (rows in = rows out + rows
 * rejected) are they swapped into place, manifest last. A crash or failure leaves the previous
 * output and manifest untouched, so a rerun never sees half a stage.
 */
public final class StageRunner {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  public static final String MANIFEST = "_manifest.json";

  private final Path outputRoot;
  private final boolean force;
  private final PrintStream log;

  public PrintStream log() {
    return log;
  }

  public StageRunner(Path outputRoot, boolean force, PrintStream log) {
    this.outputRoot = outputRoot;
    this.force = force;
    this.log = log;
  }

  /** What a stage body reports after its pipeline finished. */
  public static final class Counts {
    long rowsIn;
    long rowsOut;
    long rowsRejected;

    /** Rows dropped on purpose and counted, not written anywhere (e.g. exact duplicates). */
    long rowsDropped;

    final Map<String, Long> rejectedByReason = new TreeMap<>();
    final Map<String, Long> counters = new TreeMap<>();
    final Map<String, Object> extra = new TreeMap<>();
    String runner = "";
  }

  /** The work of a stage: write data to {@code dataDir}, rejects to {@code rejectedDir}. */
  @FunctionalInterface
  public interface Body {
    Counts run(Path dataDir, Path rejectedDir) throws Exception;
  }

  /** The manifest of a stage's last successful run, or null. */
  public JsonNode lastManifest(String stage) throws IOException {
    Path m = dataDir(stage).resolve(MANIFEST);
    return Files.isRegularFile(m) ? JSON.readTree(m.toFile()) : null;
  }

  /** A stage body that also writes sibling output directories ({@code <output>/<name>/}). */
  @FunctionalInterface
  public interface MultiBody {
    Counts run(Path dataDir, Path rejectedDir, Map<String, Path> extraDirs) throws Exception;
  }

  /** The outcome of {@link #run}: the manifest that is now in place. */
  public static final class Outcome {
    public final boolean skipped;
    public final JsonNode manifest;

    Outcome(boolean skipped, JsonNode manifest) {
      this.skipped = skipped;
      this.manifest = manifest;
    }
  }

  /**
   * Where a stage's data lives: {@code raw/} for ingest, {@code model/} for train, else the name.
   */
  public Path dataDir(String stage) {
    return outputRoot.resolve(directoryOf(stage));
  }

  static String directoryOf(String stage) {
    return switch (stage) {
      case "ingest" -> "raw";
      case "train" -> "model";
      default -> stage;
    };
  }

  public Path rejectedDir(String stage) {
    return outputRoot.resolve("_rejected").resolve(stage);
  }

  public Outcome run(String stage, List<Path> inputs, Map<String, String> options, Body body)
      throws Exception {
    return run(stage, inputs, options, List.of(), (d, r, extra) -> body.run(d, r));
  }

  /**
   * Like {@link #run(String, List, Map, Body)}, for a stage that also owns the sibling directories
   * {@code extraDirs}: they are written in {@code .inprogress} directories too and swapped into
   * place with the stage's own, before its manifest.
   */
  public Outcome run(
      String stage,
      List<Path> inputs,
      Map<String, String> options,
      List<String> extraDirs,
      MultiBody body)
      throws Exception {
    ArrayNode inputList = JSON.createArrayNode();
    List<Path> sorted = new ArrayList<>(inputs);
    sorted.sort(Comparator.naturalOrder());
    MessageDigest digest = sha256();
    long inputBytes = 0;
    for (Path p : sorted) {
      long size = Files.size(p);
      long modified = Files.getLastModifiedTime(p).toMillis();
      inputBytes += size;
      inputList
          .addObject()
          .put("path", p.toString())
          .put("size", size)
          .put("modified_ms", modified);
      digest.update((p + "\0" + size + "\0" + modified + "\n").getBytes(StandardCharsets.UTF_8));
    }
    digest.update(("options:" + new TreeMap<>(options)).getBytes(StandardCharsets.UTF_8));
    String fingerprint = HexFormat.of().formatHex(digest.digest());

    Path finalData = dataDir(stage);
    Path finalRejected = rejectedDir(stage);
    Path manifestPath = finalData.resolve(MANIFEST);
    if (!force && Files.exists(manifestPath)) {
      JsonNode previous = JSON.readTree(manifestPath.toFile());
      if (fingerprint.equals(previous.path("fingerprint").asText())
          && "succeeded".equals(previous.path("status").asText())) {
        log.printf(
            "[%s] skipped: inputs and options unchanged since %s (--force reruns it)%n",
            stage, previous.path("finished_at").asText());
        return new Outcome(true, previous);
      }
    }

    String run = UUID.randomUUID().toString().substring(0, 8);
    Path tmpData = outputRoot.resolve("." + directoryOf(stage) + ".inprogress-" + run);
    Path tmpRejected = outputRoot.resolve("_rejected").resolve("." + stage + ".inprogress-" + run);
    Files.createDirectories(tmpData);
    Files.createDirectories(tmpRejected);
    Map<String, Path> tmpExtra = new TreeMap<>();
    for (String name : extraDirs) {
      Path t = outputRoot.resolve("." + name + ".inprogress-" + run);
      Files.createDirectories(t);
      tmpExtra.put(name, t);
    }
    Instant start = Instant.now();
    log.printf("[%s] running on %d input files (%,d bytes)%n", stage, sorted.size(), inputBytes);
    Counts counts;
    try {
      counts = body.run(tmpData, tmpRejected, tmpExtra);
      if (counts.rowsIn != counts.rowsOut + counts.rowsRejected + counts.rowsDropped) {
        throw new IllegalStateException(
            String.format(
                "[%s] row accounting does not balance: %,d in != %,d out + %,d rejected + %,d"
                    + " dropped; output kept in %s for inspection",
                stage,
                counts.rowsIn,
                counts.rowsOut,
                counts.rowsRejected,
                counts.rowsDropped,
                tmpData));
      }
    } catch (JobSpecs.Written spec) {
      // Dataflow spec mode: nothing ran, nothing is published, no manifest.
      deleteRecursively(tmpData);
      deleteRecursively(tmpRejected);
      for (Path t : tmpExtra.values()) {
        deleteRecursively(t);
      }
      log.println(spec.getMessage());
      ObjectNode m = JSON.createObjectNode();
      m.put("stage", stage);
      m.put("status", "spec_written");
      m.put("spec", spec.location);
      return new Outcome(true, m);
    } catch (Exception | Error e) {
      log.printf("[%s] FAILED: %s%n", stage, e);
      throw e;
    }
    Instant end = Instant.now();
    removeEmptyTempDirs(tmpData);
    removeEmptyTempDirs(tmpRejected);
    for (Path t : tmpExtra.values()) {
      removeEmptyTempDirs(t);
    }

    ObjectNode m = JSON.createObjectNode();
    m.put("stage", stage);
    m.put("status", "succeeded");
    m.put("code_version", Strata.version());
    m.put("runner", counts.runner);
    m.put("started_at", start.toString());
    m.put("finished_at", end.toString());
    m.put("duration_s", Duration.between(start, end).toMillis() / 1000.0);
    m.put("fingerprint", fingerprint);
    ObjectNode opts = m.putObject("options");
    new TreeMap<>(options).forEach(opts::put);
    ObjectNode rows = m.putObject("rows");
    rows.put("in", counts.rowsIn);
    rows.put("out", counts.rowsOut);
    rows.put("rejected", counts.rowsRejected);
    rows.put("dropped", counts.rowsDropped);
    ObjectNode by = rows.putObject("rejected_by_reason");
    counts.rejectedByReason.forEach(by::put);
    ObjectNode ctr = m.putObject("counters");
    counts.counters.forEach(ctr::put);
    counts.extra.forEach((k, v) -> m.set(k, JSON.valueToTree(v)));
    m.put("rejected_dir", finalRejected.toString());
    m.put("input_bytes", inputBytes);
    m.set("inputs", inputList);

    // Swap into place: invalidate the old manifest first, manifest of the new run last.
    Files.deleteIfExists(manifestPath);
    replaceDirectory(tmpRejected, finalRejected);
    for (Map.Entry<String, Path> e : tmpExtra.entrySet()) {
      replaceDirectory(e.getValue(), outputRoot.resolve(e.getKey()));
    }
    JSON.writeValue(tmpData.resolve(MANIFEST).toFile(), m);
    replaceDirectory(tmpData, finalData);

    log.printf(
        "[%s] %,d rows in -> %,d out + %,d rejected%s%s in %.1f s [%s]%n",
        stage,
        counts.rowsIn,
        counts.rowsOut,
        counts.rowsRejected,
        counts.rejectedByReason.isEmpty() ? "" : " " + counts.rejectedByReason,
        counts.rowsDropped == 0 ? "" : String.format(" + %,d dropped", counts.rowsDropped),
        Duration.between(start, end).toMillis() / 1000.0,
        counts.runner);
    return new Outcome(false, m);
  }

  private static void replaceDirectory(Path fresh, Path target) throws IOException {
    if (Files.exists(target)) {
      Path old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
      deleteRecursively(old);
    } else {
      Files.createDirectories(target.getParent());
      Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** FileIO leaves its (empty) {@code .temp-beam*} directory behind after renaming its files. */
  private static void removeEmptyTempDirs(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(f -> f.getFileName().toString().startsWith(".temp-beam")).toList()) {
        try (Stream<Path> inside = Files.walk(p)) {
          if (inside.allMatch(Files::isDirectory)) {
            deleteRecursively(p);
          }
        }
      }
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
