package dev.strata.pipelines.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.transforms.common.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;

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
 *
 * <p>All of it goes through {@link Store} (Beam's FileSystems), so {@code <output>} may be a local
 * directory or an object-store prefix such as {@code gs://bucket/out}. There, "swapped into place"
 * means the old manifest is deleted, the objects are moved under the final prefix and the new
 * manifest is written last: the manifest is the commit, and a stage without one is rerun.
 */
public final class StageRunner {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = Json.MAPPER;
  public static final String MANIFEST = "_manifest.json";

  private final ResourceId outputRoot;
  private final boolean force;
  private final PrintStream log;

  private boolean specs;
  private Map<String, String> folders = Map.of();

  public PrintStream log() {
    return log;
  }

  /**
   * Dataflow spec mode ({@link JobSpecs}): the stages write job specs and do not run, so they are
   * forced (no skip) and list no inputs (the job lists them when it runs).
   */
  public StageRunner forSpecs(boolean specs) {
    this.specs = specs;
    return this;
  }

  public StageRunner(Path outputRoot, boolean force, PrintStream log) {
    this(Store.dir(outputRoot.toAbsolutePath().toString()), force, log);
  }

  public StageRunner(ResourceId outputRoot, boolean force, PrintStream log) {
    this.outputRoot = outputRoot;
    this.force = force;
    this.log = log;
  }

  /** The work of a stage: write data to {@code dataDir}, rejects to {@code rejectedDir}. */
  @FunctionalInterface
  public interface Body {
    StageCounts run(ResourceId dataDir, ResourceId rejectedDir) throws Exception;
  }

  /** The manifest of a stage's last successful run, or null. */
  public JsonNode lastManifest(String stage) throws IOException {
    ResourceId m = Store.file(dataDir(stage), MANIFEST);
    return Store.exists(m) ? JSON.readTree(Store.read(m)) : null;
  }

  /** Whether the stage has a published output (a manifest). */
  public boolean published(String stage) throws IOException {
    return Store.exists(Store.file(dataDir(stage), MANIFEST));
  }

  public ResourceId outputRoot() {
    return outputRoot;
  }

  /** A stage body that also writes sibling output directories ({@code <output>/<name>/}). */
  @FunctionalInterface
  public interface MultiBody {
    StageCounts run(ResourceId dataDir, ResourceId rejectedDir, Map<String, ResourceId> extraDirs)
        throws Exception;
  }

  /** The outcome of {@link #run}: the manifest that is now in place. */
  public static final class Outcome {
    public final boolean skipped;
    public final JsonNode manifest;

    public Outcome(boolean skipped, JsonNode manifest) {
      this.skipped = skipped;
      this.manifest = manifest;
    }
  }

  /**
   * Names the data folders of stages whose folder is not the stage's name (the market job's {@code
   * ingest} writes {@code raw/}); rejects stay under {@code _rejected/<stage>/}.
   */
  public StageRunner withFolders(Map<String, String> stageToFolder) {
    this.folders = Map.copyOf(stageToFolder);
    return this;
  }

  /** Where a stage's data lives: {@code <output>/<folder>/}, the folder named by the job. */
  public ResourceId dataDir(String stage) {
    return Store.sub(outputRoot, folderOf(stage));
  }

  /** The data folder's name of {@code stage}: as given to {@link #withFolders}, else the stage. */
  public String folderOf(String stage) {
    return folders.getOrDefault(stage, stage);
  }

  /**
   * Fails unless {@code previous} has a published output, naming the stages to run: the check a
   * stage that reads the stage before it makes first.
   */
  public void requirePublished(String stage, String previous, String stagesHint)
      throws IOException {
    if (!published(previous)) {
      throw new IllegalStateException(
          "stage "
              + stage
              + " needs the output of stage "
              + previous
              + " in "
              + dataDir(previous)
              + ", which has no manifest: run --stages="
              + stagesHint
              + " first");
    }
  }

  public ResourceId rejectedDir(String stage) {
    return Store.sub(Store.sub(outputRoot, "_rejected"), stage);
  }

  public Outcome run(
      String stage, List<MatchResult.Metadata> inputs, Map<String, String> options, Body body)
      throws Exception {
    return run(stage, inputs, options, List.of(), (d, r, extra) -> body.run(d, r));
  }

  /**
   * Like {@link #run(String, List, Map, Body)}, recording {@code details} (by input path: fields
   * added to that input's entry in the manifest, e.g. a checksum). The body may still add to {@code
   * details} while it runs: they are read when the manifest is written.
   */
  public Outcome run(
      String stage,
      List<MatchResult.Metadata> inputs,
      Map<String, ObjectNode> details,
      Map<String, String> options,
      Body body)
      throws Exception {
    return execute(
        stage, inputs, details, options, List.of(), (d, r, extra) -> body.run(d, r), false);
  }

  /**
   * Adds to the published version of {@code stage} instead of replacing it: the body writes only
   * new files (names of their own, e.g. {@code inc-<run>-*.parquet}, and state under {@code
   * _state/}) to {@code dataDir}, and sets the manifest's {@code outputs} (and {@code state}) to
   * the whole new version: the files kept plus the new ones. Commit: the new files are moved into
   * the published folder, the new rejects next to the old ones, then the manifest is replaced
   * (locally by an atomic rename): that is the commit point. Then the files the new manifest does
   * not list are deleted. Readers that go through the manifest see the old or the new version; a
   * plain glob may see new files before the manifest names them. Files a crash left in the folder
   * that no manifest lists are deleted before the body runs.
   */
  public Outcome increment(
      String stage,
      List<MatchResult.Metadata> inputs,
      Map<String, ObjectNode> details,
      Map<String, String> options,
      Body body)
      throws Exception {
    return execute(
        stage, inputs, details, options, List.of(), (d, r, extra) -> body.run(d, r), true);
  }

  /**
   * Like {@link #increment}, but never skipped: for a new version of the same data (a compaction
   * merging part files), whose inputs and options may be the ones recorded.
   */
  public Outcome rewrite(
      String stage,
      List<MatchResult.Metadata> inputs,
      Map<String, ObjectNode> details,
      Map<String, String> options,
      Body body)
      throws Exception {
    boolean wasForced = forcedNow;
    forcedNow = true;
    try {
      return increment(stage, inputs, details, options, body);
    } finally {
      forcedNow = wasForced;
    }
  }

  private boolean forcedNow;

  /**
   * The inputs a manifest recorded, as listing entries (path, size, modification time), and the
   * other fields of each in {@code details}: what {@link #rewrite} takes to keep a fingerprint.
   */
  public static List<MatchResult.Metadata> recordedInputs(
      JsonNode manifest, Map<String, ObjectNode> details) {
    List<MatchResult.Metadata> out = new ArrayList<>();
    for (JsonNode in : manifest.path("inputs")) {
      String path = in.path("path").asText();
      out.add(
          MatchResult.Metadata.builder()
              .setResourceId(FileSystems.matchNewResource(path, false))
              .setSizeBytes(in.path("size").asLong())
              .setLastModifiedMillis(in.path("modified_ms").asLong())
              .setIsReadSeekEfficient(true)
              .build());
      ObjectNode more = in.deepCopy();
      more.remove(List.of("path", "size", "modified_ms"));
      if (more.size() > 0) {
        details.put(path, more);
      }
    }
    return out;
  }

  /**
   * Whether {@link #run} would skip {@code stage}: a successful manifest with the same inputs and
   * options, and no {@code --force}. A stage that must look at its inputs to choose how to run asks
   * this first, so an unchanged stage costs a listing only.
   */
  public boolean unchanged(
      String stage, List<MatchResult.Metadata> inputs, Map<String, String> options)
      throws IOException {
    if (force || specs) {
      return false;
    }
    JsonNode previous = lastManifest(stage);
    return previous != null
        && "succeeded".equals(previous.path("status").asText())
        && fingerprint(inputs, options).equals(previous.path("fingerprint").asText());
  }

  /** Whether {@code --force} was given: every stage recomputes everything. */
  public boolean forced() {
    return force;
  }

  private static String fingerprint(
      List<MatchResult.Metadata> inputs, Map<String, String> options) {
    List<MatchResult.Metadata> sorted = new ArrayList<>(inputs);
    sorted.sort(Comparator.comparing(md -> md.resourceId().toString()));
    MessageDigest digest = sha256();
    for (MatchResult.Metadata md : sorted) {
      digest.update(
          (md.resourceId() + "\0" + md.sizeBytes() + "\0" + md.lastModifiedMillis() + "\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    digest.update(("options:" + new TreeMap<>(options)).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Like {@link #run(String, List, Map, Body)}, for a stage that also owns the sibling directories
   * {@code extraDirs}: they are written in {@code .inprogress} directories too and swapped into
   * place with the stage's own, before its manifest.
   */
  public Outcome run(
      String stage,
      List<MatchResult.Metadata> inputs,
      Map<String, String> options,
      List<String> extraDirs,
      MultiBody body)
      throws Exception {
    return execute(stage, inputs, Map.of(), options, extraDirs, body, false);
  }

  private Outcome execute(
      String stage,
      List<MatchResult.Metadata> inputs,
      Map<String, ObjectNode> details,
      Map<String, String> options,
      List<String> extraDirs,
      MultiBody body,
      boolean increment)
      throws Exception {
    List<MatchResult.Metadata> sorted = new ArrayList<>(inputs);
    sorted.sort(Comparator.comparing(md -> md.resourceId().toString()));
    long inputBytes = 0;
    for (MatchResult.Metadata md : sorted) {
      inputBytes += md.sizeBytes();
    }
    String fingerprint = fingerprint(sorted, options);

    ResourceId finalData = dataDir(stage);
    ResourceId finalRejected = rejectedDir(stage);
    ResourceId manifestPath = Store.file(finalData, MANIFEST);
    if (!force && !forcedNow && !specs && Store.exists(manifestPath)) {
      JsonNode previous = JSON.readTree(Store.read(manifestPath));
      if (fingerprint.equals(previous.path("fingerprint").asText())
          && "succeeded".equals(previous.path("status").asText())) {
        log.printf(
            "[%s] skipped: inputs and options unchanged since %s (--force reruns it)%n",
            stage, previous.path("finished_at").asText());
        return new Outcome(true, previous);
      }
    }

    String run = UUID.randomUUID().toString().substring(0, 8);
    ResourceId tmpData = Store.sub(outputRoot, "." + folderOf(stage) + ".inprogress-" + run);
    ResourceId tmpRejected =
        Store.sub(Store.sub(outputRoot, "_rejected"), "." + stage + ".inprogress-" + run);
    Map<String, ResourceId> tmpExtra = new TreeMap<>();
    try {
      Store.createDirectory(tmpData);
      Store.createDirectory(tmpRejected);
      for (String name : extraDirs) {
        ResourceId t = Store.sub(outputRoot, "." + name + ".inprogress-" + run);
        Store.createDirectory(t);
        tmpExtra.put(name, t);
      }
    } catch (IOException | RuntimeException e) {
      // an output that is a file, unwritable or not a folder at all: the stage failed before it
      // began, and says so like any other failed stage
      log.printf("[%s] FAILED: cannot create its folders under %s: %s%n", stage, outputRoot, e);
      throw e;
    }
    if (increment) {
      sweep(finalData, lastManifest(stage)); // what a crashed increment left unlisted
    }
    Instant start = Instant.now();
    if (specs) {
      log.printf(
          "[%s] writing its Dataflow job spec (inputs are listed when the job runs)%n", stage);
    } else {
      log.printf("[%s] running on %d input files (%,d bytes)%n", stage, sorted.size(), inputBytes);
    }
    StageCounts counts;
    try {
      counts = body.run(tmpData, tmpRejected, tmpExtra);
      if (!counts.balances()) {
        throw new IllegalStateException(
            String.format(
                "[%s] row accounting does not balance: %,d in != %,d out + %,d rejected + %,d"
                    + " dropped; output kept in %s for inspection",
                stage,
                counts.rowsIn(),
                counts.rowsOut(),
                counts.rowsRejected(),
                counts.rowsDropped(),
                tmpData));
      }
    } catch (JobSpecs.Written spec) {
      // Dataflow spec mode: nothing ran, nothing is published, no manifest. Only the local
      // directories made above are removed: nothing was written to an object store, and a spec
      // is written without contacting one.
      for (ResourceId t : tmpExtra.values()) {
        if (Store.isLocal(t)) {
          Store.deleteTree(t);
        }
      }
      if (Store.isLocal(tmpData)) {
        Store.deleteTree(tmpData);
        Store.deleteTree(tmpRejected);
      }
      log.println(spec.getMessage());
      ObjectNode m = JSON.createObjectNode();
      m.put("stage", stage);
      m.put("status", "spec_written");
      m.put("spec", spec.location);
      return new Outcome(true, m);
    } catch (Fallback f) {
      for (ResourceId t : tmpExtra.values()) {
        Store.deleteTree(t);
      }
      Store.deleteTree(tmpData);
      Store.deleteTree(tmpRejected);
      throw f;
    } catch (Exception | Error e) {
      log.printf("[%s] FAILED: %s%n", stage, e);
      throw e;
    }
    Instant end = Instant.now();
    removeEmptyTempDirs(tmpData);
    removeEmptyTempDirs(tmpRejected);
    for (ResourceId t : tmpExtra.values()) {
      removeEmptyTempDirs(t);
    }

    ObjectNode m = JSON.createObjectNode();
    m.put("stage", stage);
    m.put("status", "succeeded");
    m.put("code_version", BuildInfo.version());
    m.put("runner", counts.runner());
    m.put("started_at", start.toString());
    m.put("finished_at", end.toString());
    m.put("duration_s", Duration.between(start, end).toMillis() / 1000.0);
    m.put("fingerprint", fingerprint);
    ObjectNode opts = m.putObject("options");
    new TreeMap<>(options).forEach(opts::put);
    ObjectNode rows = m.putObject("rows");
    rows.put("in", counts.rowsIn());
    rows.put("out", counts.rowsOut());
    rows.put("rejected", counts.rowsRejected());
    rows.put("dropped", counts.rowsDropped());
    ObjectNode by = rows.putObject("rejected_by_reason");
    counts.rejectedByReason().forEach(by::put);
    ObjectNode ctr = m.putObject("counters");
    counts.counters().forEach(ctr::put);
    counts.extra().forEach((k, v) -> m.set(k, JSON.valueToTree(v)));
    m.put("rejected_dir", finalRejected.toString());
    m.put("input_bytes", inputBytes);
    ArrayNode inputList = m.putArray("inputs");
    for (MatchResult.Metadata md : sorted) {
      String p = md.resourceId().toString();
      ObjectNode in =
          inputList
              .addObject()
              .put("path", p)
              .put("size", md.sizeBytes())
              .put("modified_ms", md.lastModifiedMillis());
      ObjectNode more = details.get(p);
      if (more != null) {
        in.setAll(more);
      }
    }
    if (increment) {
      publishIncrement(stage, run, tmpData, tmpRejected, m, start, counts);
      return new Outcome(false, m);
    }

    // Swap into place: invalidate the old manifest first, manifest of the new run last.
    // Locally the data directory is swapped in with its manifest inside (one atomic rename); on
    // an object store the manifest is written after the objects were moved.
    if (Store.exists(manifestPath)) {
      FileSystems.delete(List.of(manifestPath));
    }
    Store.replace(tmpRejected, finalRejected);
    for (Map.Entry<String, ResourceId> e : tmpExtra.entrySet()) {
      Store.replace(e.getValue(), Store.sub(outputRoot, e.getKey()));
    }
    byte[] manifestBytes = JSON.writeValueAsBytes(m);
    if (Store.isLocal(tmpData)) {
      Store.write(Store.file(tmpData, MANIFEST), manifestBytes);
      Store.replace(tmpData, finalData);
    } else {
      Store.replace(tmpData, finalData);
      Store.write(manifestPath, manifestBytes);
    }
    int leftovers = removeLeftovers(stage, extraDirs);

    log.printf(
        "[%s] %,d %s in -> %,d out + %,d rejected%s%s in %.1f s [%s]%n",
        stage,
        counts.rowsIn(),
        counts.unit(),
        counts.rowsOut(),
        counts.rowsRejected(),
        counts.rejectedByReason().isEmpty() ? "" : " " + counts.rejectedByReason(),
        counts.rowsDropped() == 0 ? "" : String.format(" + %,d dropped", counts.rowsDropped()),
        Duration.between(start, end).toMillis() / 1000.0,
        counts.runner());
    if (leftovers > 0) {
      log.printf(
          "[%s] removed %d in-progress folders left by earlier failed runs%n", stage, leftovers);
    }
    return new Outcome(false, m);
  }

  /** Commits an increment ({@link #increment}); the manifest is the commit point. */
  private void publishIncrement(
      String stage,
      String run,
      ResourceId tmpData,
      ResourceId tmpRejected,
      ObjectNode m,
      Instant start,
      StageCounts counts)
      throws IOException {
    ResourceId finalData = dataDir(stage);
    ResourceId finalRejected = rejectedDir(stage);
    moveInto(tmpData, finalData, "");
    moveInto(tmpRejected, finalRejected, "inc-" + run + "-");
    Store.write(Store.file(finalData, MANIFEST), JSON.writeValueAsBytes(m));
    int removed = sweep(finalData, m);
    Store.deleteTree(tmpData);
    Store.deleteTree(tmpRejected);
    log.printf(
        "[%s] %,d %s in -> %,d out + %,d rejected%s, added to the published version (%d files no"
            + " longer listed removed) in %.1f s [%s]%n",
        stage,
        counts.rowsIn(),
        counts.unit(),
        counts.rowsOut(),
        counts.rowsRejected(),
        counts.rejectedByReason().isEmpty() ? "" : " " + counts.rejectedByReason(),
        removed,
        Duration.between(start, Instant.now()).toMillis() / 1000.0,
        counts.runner());
  }

  /**
   * Moves every file under {@code from} to the same relative path under {@code to}, its name
   * prefixed with {@code namePrefix}; a path with a hidden part (FileIO's {@code .temp-beam}
   * leftovers) is left where it is.
   */
  public static void moveInto(ResourceId from, ResourceId to, String namePrefix)
      throws IOException {
    String base = Store.str(from) + "/";
    List<ResourceId> src = new ArrayList<>();
    List<ResourceId> dst = new ArrayList<>();
    for (MatchResult.Metadata md : Store.tree(from)) {
      String rel = md.resourceId().toString().substring(base.length());
      String[] parts = rel.split("/");
      if (java.util.Arrays.stream(parts).anyMatch(x -> x.startsWith("."))) {
        continue; // a runner's temporary leftovers (FileIO's .temp-beam folders)
      }
      ResourceId d = to;
      for (int i = 0; i < parts.length - 1; i++) {
        d = Store.sub(d, parts[i]);
      }
      Store.createDirectory(d);
      src.add(md.resourceId());
      dst.add(Store.file(d, namePrefix + parts[parts.length - 1]));
    }
    if (!src.isEmpty()) {
      FileSystems.rename(src, dst);
    }
  }

  /**
   * Deletes the data files ({@code *.parquet}, also under {@code _state/}) of {@code dir} that
   * {@code manifest}'s {@code outputs} and {@code state} do not list; returns how many.
   */
  private static int sweep(ResourceId dir, JsonNode manifest) throws IOException {
    if (manifest == null || !manifest.has("outputs")) {
      return 0;
    }
    java.util.Set<String> listed = new java.util.HashSet<>();
    manifest.path("outputs").forEach(n -> listed.add(n.asText()));
    manifest.path("state").forEach(n -> listed.add(n.asText()));
    List<ResourceId> doomed = new ArrayList<>();
    for (MatchResult.Metadata md : Store.list(dir, ".parquet")) {
      if (!listed.contains(md.resourceId().getFilename())) {
        doomed.add(md.resourceId());
      }
    }
    for (MatchResult.Metadata md : Store.list(Store.sub(dir, STATE), ".parquet")) {
      if (!listed.contains(STATE + "/" + md.resourceId().getFilename())) {
        doomed.add(md.resourceId());
      }
    }
    Store.deleteIfExists(doomed.toArray(ResourceId[]::new));
    return doomed.size();
  }

  /**
   * Thrown by a body that finds it cannot do what it was chosen for (an increment that would not
   * give what a full run gives): nothing is published, its folders are removed, no failure is
   * logged, and the caller runs the stage another way.
   */
  public static final class Fallback extends RuntimeException {
    public Fallback(String why) {
      super(why, null, false, false);
    }
  }

  /**
   * The data files of {@code stage}'s published version: those its manifest's {@code outputs} lists
   * (an increment's folder may hold others for a moment), or every {@code *.parquet} of a manifest
   * that lists none.
   */
  public List<MatchResult.Metadata> publishedFiles(String stage) throws IOException {
    JsonNode m = lastManifest(stage);
    List<MatchResult.Metadata> all = Store.list(dataDir(stage), ".parquet");
    if (m == null || !m.has("outputs")) {
      return all;
    }
    java.util.Set<String> listed = new java.util.HashSet<>();
    m.path("outputs").forEach(n -> listed.add(n.asText()));
    List<MatchResult.Metadata> out = new ArrayList<>();
    for (MatchResult.Metadata md : all) {
      if (listed.contains(md.resourceId().getFilename())) {
        out.add(md);
      }
    }
    if (out.size() != listed.size()) {
      throw new IllegalStateException(
          "stage "
              + stage
              + ": its manifest lists "
              + listed.size()
              + " files but "
              + dataDir(stage)
              + " holds "
              + out.size()
              + " of them: rerun it with --force");
    }
    return out;
  }

  /** The folder of a stage's state files (listed in its manifest's {@code state}). */
  public static final String STATE = "_state";

  /**
   * After a stage was published, removes the {@code .inprogress} folders that earlier failed or
   * killed runs of it left (kept until now for inspection; on a bucket they would cost storage for
   * ever). Runs of one stage into one output are not meant to overlap, so none is in use.
   */
  private int removeLeftovers(String stage, List<String> extraDirs) throws IOException {
    List<ResourceId> parents = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    parents.add(outputRoot);
    prefixes.add("." + folderOf(stage) + ".inprogress-");
    for (String name : extraDirs) {
      parents.add(outputRoot);
      prefixes.add("." + name + ".inprogress-");
    }
    parents.add(Store.sub(outputRoot, "_rejected"));
    prefixes.add("." + stage + ".inprogress-");
    java.util.Set<String> removed = new java.util.TreeSet<>();
    for (int i = 0; i < parents.size(); i++) {
      ResourceId parent = parents.get(i);
      String prefix = prefixes.get(i);
      if (Store.isLocal(parent)) {
        Path dir = Store.local(parent);
        if (!Files.isDirectory(dir)) {
          continue;
        }
        try (Stream<Path> s = Files.list(dir)) {
          for (Path p : s.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
            Store.deleteTree(p);
            removed.add(p.toString());
          }
        }
      } else {
        List<MatchResult.Metadata> objects = Store.match(Store.str(parent) + "/" + prefix + "*/**");
        for (MatchResult.Metadata md : objects) {
          String name = md.resourceId().toString();
          int end = name.indexOf('/', Store.str(parent).length() + 1);
          removed.add(name.substring(0, end));
        }
        if (!objects.isEmpty()) {
          FileSystems.delete(Store.ids(objects));
        }
      }
    }
    return removed.size();
  }

  /** FileIO leaves its (empty) {@code .temp-beam*} directory behind after renaming its files. */
  private static void removeEmptyTempDirs(ResourceId dir) throws IOException {
    if (!Store.isLocal(dir)) {
      return; // an object store has no empty directories
    }
    Path local = Store.local(dir);
    try (Stream<Path> s = Files.list(local)) {
      for (Path p : s.filter(f -> f.getFileName().toString().startsWith(".temp-beam")).toList()) {
        try (Stream<Path> inside = Files.walk(p)) {
          if (inside.allMatch(java.nio.file.Files::isDirectory)) {
            Store.deleteTree(p);
          }
        }
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
