package dev.strata.transforms.sensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.transforms.common.Checksums;
import dev.strata.transforms.common.Failure;
import dev.strata.transforms.common.ParquetChannels;
import dev.strata.transforms.common.Store;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetWriter;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the continuous sensors job keeps next to its outputs, and its outputs: the only record that
 * survives a crash (no Flink state is needed). Under {@code <output>/_continuous/}:
 *
 * <ul>
 *   <li>{@code files/<key>.json}: one entry per input file, the version last staged (path, size,
 *       mtime, sha256, rows read / accepted / rejected, and per run the byte range of its readings
 *       in the staged blob): the manifest of processed file versions;
 *   <li>{@code staged/<key>-<sha12>.bin}: the file version's accepted readings, grouped by run
 *       ({@link SignalSeriesCoder}), so a run is recomputed from its own readings without parsing
 *       the other runs' files again;
 *   <li>{@code runs/<key>.bin}: per published run the fingerprint of the file versions it was
 *       computed from and its statistics. Written last when a run is recomputed: a run whose record
 *       is missing or whose fingerprint differs from its current files' is recomputed (at start,
 *       after a crash).
 * </ul>
 *
 * Outputs: {@code clean/run-<id>.parquet}, {@code run_sources/run-<id>.parquet}, {@code
 * runs/run_uuid=<id>/part-00000-of-00001.parquet} (the batch job's name), {@code
 * run_stats/part-00000-of-00001.parquet} (all runs, rebuilt from the run records), and rejects in
 * {@code _rejected/clean/<file>.<sha12>.jsonl} (per file version) and {@code
 * _rejected/runs/run-<id>.jsonl} (per run).
 *
 * <p>Every file is written whole through {@link Store} (Beam's file systems, so {@code --output}
 * may be a local directory or an object-store prefix such as {@code gs://}): a local file goes to a
 * hidden temporary name and is renamed into place, an object becomes visible only when it is
 * closed; either way a reader sees the old or the new file, never half of one. Nothing is renamed
 * on an object store, and the commit order (blob, entry; outputs, run record) is what makes a crash
 * at any point recoverable.
 */
public final class RunLedger implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The name of every one-file dataset part: a run's table, {@code run_stats/} (the batch names).
   */
  public static final String PART_FILE = "part-00000-of-00001.parquet";

  private final String root;
  private transient @Nullable Map<String, Cached> cache;

  /** One input file's staged version. {@code runs}: run → {offset, length, readings}. */
  public record Entry(
      String path,
      long size,
      long mtime,
      String sha256,
      long rows,
      long accepted,
      long rejected,
      Map<String, long[]> runs) {
    /** The staged blob's name part: the first 12 hex digits of the content hash. */
    public String version() {
      return sha256.substring(0, 12);
    }

    Entry withStat(long newSize, long newMtime) {
      return new Entry(path, newSize, newMtime, sha256, rows, accepted, rejected, runs);
    }
  }

  /** A published run: the fingerprint of the file versions it was computed from, its row. */
  public record RunRecord(String run, String fingerprint, @Nullable RunStatistics stats) {}

  private record Cached(long modified, long length, Entry entry) {}

  /** The ledger of the job writing to {@code output} (a directory of any Beam file system). */
  public RunLedger(ResourceId output) {
    this.root = Store.str(output);
  }

  /** The ledger of a local output directory. */
  public RunLedger(Path output) {
    this(Store.dir(output.toAbsolutePath().toString()));
  }

  public ResourceId output() {
    return Store.dir(root);
  }

  private ResourceId dir(String... names) {
    ResourceId d = output();
    for (String n : names) {
      d = Store.sub(d, n);
    }
    return d;
  }

  private ResourceId control(String sub) {
    return dir("_continuous", sub);
  }

  /** Creates every folder the job writes (object stores need none). */
  public RunLedger create() throws IOException {
    for (String d : new String[] {"files", "staged", "runs"}) {
      Store.createDirectory(control(d));
    }
    for (String d : new String[] {"clean", "runs", "run_sources", "run_stats"}) {
      Store.createDirectory(dir(d));
    }
    Store.createDirectory(dir("_rejected", "clean"));
    Store.createDirectory(dir("_rejected", "runs"));
    return this;
  }

  /**
   * The records were made with one set of rules, {@code options} (a JSON object): a restart with
   * others would mix them. The first start writes them to {@code _continuous/options.json}; a later
   * one with different rules fails, saying which were recorded.
   */
  public RunLedger requireOptions(String options) throws IOException {
    JsonNode now = JSON.readTree(options);
    ResourceId file = Store.file(dir("_continuous"), "options.json");
    byte[] before = readIfExists(file);
    if (before == null) {
      Store.write(
          file,
          (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(now) + "\n")
              .getBytes(StandardCharsets.UTF_8));
    } else if (!JSON.readTree(before).equals(now)) {
      throw new IllegalArgumentException(
          "--output was made by --continuous with other options ("
              + JSON.readTree(before)
              + "): run with those, or give a new --output");
    }
    return this;
  }

  /** A short stable file-name key of any string (a path, a run id). */
  public static String key(String s) {
    return Checksums.sha256(s.getBytes(StandardCharsets.UTF_8)).substring(0, 20);
  }

  /** A file's bytes, or null if it does not exist (a local file or an object). */
  private static byte @Nullable [] readIfExists(ResourceId f) throws IOException {
    try {
      return Store.read(f);
    } catch (FileNotFoundException | NoSuchFileException gone) {
      return null;
    }
  }

  // ------------------------------------------------------------------ file entries

  private ResourceId entryFile(String path) {
    return Store.file(control("files"), key(path) + ".json");
  }

  private ResourceId blob(Entry e) {
    return Store.file(control("staged"), key(e.path()) + "-" + e.version() + ".bin");
  }

  public @Nullable Entry entry(String path) throws IOException {
    byte[] b = readIfExists(entryFile(path));
    return b == null ? null : parse(b);
  }

  /** Every entry, re-reading only the entry files changed since the last call on this object. */
  public synchronized List<Entry> entries() throws IOException {
    if (cache == null) {
      cache = new ConcurrentHashMap<>();
    }
    Map<String, Cached> seen = new HashMap<>();
    for (Metadata m : Store.list(control("files"), ".json")) {
      String name = m.resourceId().getFilename();
      Cached c = cache.get(name);
      if (c == null || c.modified != m.lastModifiedMillis() || c.length != m.sizeBytes()) {
        byte[] b = readIfExists(m.resourceId());
        if (b == null) {
          continue;
        }
        c = new Cached(m.lastModifiedMillis(), m.sizeBytes(), parse(b));
      }
      seen.put(name, c);
    }
    cache.keySet().retainAll(seen.keySet());
    cache.putAll(seen);
    List<Entry> out = new ArrayList<>();
    for (Cached c : seen.values()) {
      out.add(c.entry);
    }
    out.sort(java.util.Comparator.comparing(Entry::path));
    return out;
  }

  /** The entries holding readings of {@code run}, in path order. */
  public List<Entry> entriesOf(String run) throws IOException {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries()) {
      if (e.runs().containsKey(run)) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * Stages a new version of a file: its blob (readings by run, in {@code series}) first, then its
   * entry, each written whole; then the previous version's blob and rejects are removed.
   */
  public Entry stage(
      String path,
      long size,
      long mtime,
      String sha256,
      long[] counts,
      Map<String, List<SignalSeries>> series,
      List<Failure> rejects,
      @Nullable Entry previous)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Map<String, long[]> runs = new TreeMap<>();
    for (Map.Entry<String, List<SignalSeries>> run : series.entrySet()) {
      long start = bytes.size();
      long readings = 0;
      DataOutputStream d = new DataOutputStream(bytes);
      d.writeInt(run.getValue().size());
      for (SignalSeries s : run.getValue()) {
        SignalSeriesCoder.of().encode(s, d);
        readings += s.size();
      }
      d.flush();
      runs.put(run.getKey(), new long[] {start, bytes.size() - start, readings});
    }
    Entry e = new Entry(path, size, mtime, sha256, counts[0], counts[1], counts[2], runs);
    Store.write(blob(e), bytes.toByteArray());
    ResourceId rejectFile = fileRejects(e);
    if (rejects.isEmpty()) {
      Store.deleteIfExists(rejectFile);
    } else {
      writeRejects(rejectFile, rejects);
    }
    put(e);
    if (previous != null && !previous.version().equals(e.version())) {
      Store.deleteIfExists(blob(previous), fileRejects(previous));
    }
    return e;
  }

  /** Records that an unchanged file's content now has another size or mtime (touched). */
  public void restat(Entry e, long size, long mtime) throws IOException {
    put(e.withStat(size, mtime));
  }

  /** Forgets a file that is gone: its entry, blob and rejects. */
  public void remove(Entry e) throws IOException {
    Store.deleteIfExists(entryFile(e.path()), blob(e), fileRejects(e));
  }

  private void put(Entry e) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("path", e.path())
        .put("size", e.size())
        .put("mtime", e.mtime())
        .put("sha256", e.sha256())
        .put("rows", e.rows())
        .put("accepted", e.accepted())
        .put("rejected", e.rejected());
    ObjectNode runs = n.putObject("runs");
    e.runs()
        .forEach(
            (r, v) ->
                runs.putObject(r).put("offset", v[0]).put("length", v[1]).put("readings", v[2]));
    Store.write(entryFile(e.path()), JSON.writeValueAsBytes(n));
  }

  private static Entry parse(byte[] json) throws IOException {
    JsonNode n = JSON.readTree(json);
    Map<String, long[]> runs = new TreeMap<>();
    n.path("runs")
        .fields()
        .forEachRemaining(
            f ->
                runs.put(
                    f.getKey(),
                    new long[] {
                      f.getValue().path("offset").asLong(),
                      f.getValue().path("length").asLong(),
                      f.getValue().path("readings").asLong()
                    }));
    return new Entry(
        n.path("path").asText(),
        n.path("size").asLong(),
        n.path("mtime").asLong(),
        n.path("sha256").asText(),
        n.path("rows").asLong(),
        n.path("accepted").asLong(),
        n.path("rejected").asLong(),
        runs);
  }

  /**
   * The staged readings of {@code run} in file version {@code e}, read from its byte range of the
   * blob; null if the blob is gone (a newer version of the file replaced it since the listing).
   */
  public @Nullable List<SignalSeries> staged(Entry e, String run) throws IOException {
    long[] range = e.runs().get(run);
    if (range == null) {
      return List.of();
    }
    byte[] b = new byte[Math.toIntExact(range[1])];
    try (SeekableByteChannel ch = Store.openSeekable(blob(e))) {
      ch.position(range[0]);
      ByteBuffer buf = ByteBuffer.wrap(b);
      while (buf.hasRemaining()) {
        if (ch.read(buf) < 0) {
          throw new IOException(blob(e) + " is shorter than its entry says");
        }
      }
    } catch (FileNotFoundException | NoSuchFileException replaced) {
      return null;
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
    int n = in.readInt();
    List<SignalSeries> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(SignalSeriesCoder.of().decode(in));
    }
    return out;
  }

  /** The fingerprint of the file versions {@code entries}: what a run was computed from. */
  public static String fingerprint(Collection<Entry> entries) {
    Map<String, String> versions = new TreeMap<>();
    for (Entry e : entries) {
      versions.put(e.path(), e.sha256());
    }
    StringBuilder b = new StringBuilder();
    versions.forEach((p, s) -> b.append(p).append('\0').append(s).append('\n'));
    return Checksums.sha256(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------ run records

  private ResourceId runRecord(String run) {
    return Store.file(control("runs"), key(run) + ".bin");
  }

  public void putRun(RunRecord r) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(b);
    d.writeUTF(r.run());
    d.writeUTF(r.fingerprint());
    d.writeBoolean(r.stats() != null);
    if (r.stats() != null) {
      RunStatisticsCoder.of().encode(r.stats(), d);
    }
    d.flush();
    Store.write(runRecord(r.run()), b.toByteArray());
  }

  public void removeRun(String run) throws IOException {
    Store.deleteIfExists(runRecord(run));
  }

  /** Every run record, by run. */
  public Map<String, RunRecord> runs() throws IOException {
    Map<String, RunRecord> out = new TreeMap<>();
    for (Metadata m : Store.list(control("runs"), ".bin")) {
      byte[] b = readIfExists(m.resourceId());
      if (b == null) {
        continue;
      }
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
      String run = in.readUTF();
      String fp = in.readUTF();
      RunStatistics s = in.readBoolean() ? RunStatisticsCoder.of().decode(in) : null;
      out.put(run, new RunRecord(run, fp, s));
    }
    return out;
  }

  /**
   * The runs whose published output is not what their current files give: no record, another
   * fingerprint, or a record of a run no file holds any more.
   */
  public TreeSet<String> dirtyRuns() throws IOException {
    return dirtyRuns(entries(), runs());
  }

  /** {@link #dirtyRuns()} from entries and run records already read. */
  public static TreeSet<String> dirtyRuns(List<Entry> entries, Map<String, RunRecord> records) {
    Map<String, List<Entry>> byRun = new TreeMap<>();
    for (Entry e : entries) {
      for (String r : e.runs().keySet()) {
        byRun.computeIfAbsent(r, k -> new ArrayList<>()).add(e);
      }
    }
    TreeSet<String> dirty = new TreeSet<>();
    byRun.forEach(
        (r, es) -> {
          RunRecord rec = records.get(r);
          if (rec == null || !rec.fingerprint().equals(fingerprint(es))) {
            dirty.add(r);
          }
        });
    for (String r : records.keySet()) {
      if (!byRun.containsKey(r)) {
        dirty.add(r);
      }
    }
    return dirty;
  }

  // ------------------------------------------------------------------ outputs

  public ResourceId cleanFile(String run) {
    return Store.file(dir("clean"), "run-" + run + ".parquet");
  }

  public ResourceId sourcesFile(String run) {
    return Store.file(dir("run_sources"), "run-" + run + ".parquet");
  }

  public ResourceId runFile(String run) {
    return Store.file(dir("runs", "run_uuid=" + run), PART_FILE);
  }

  public ResourceId statsFile() {
    return Store.file(dir("run_stats"), PART_FILE);
  }

  public ResourceId runRejects(String run) {
    return Store.file(dir("_rejected", "runs"), "run-" + run + ".jsonl");
  }

  /** Where single rejects of whole files go ({@code vanished}, {@code unreadable}). */
  public ResourceId fileRejectsDir() {
    return dir("_rejected", "clean");
  }

  public ResourceId fileRejects(Entry e) {
    String name = e.path().substring(e.path().lastIndexOf('/') + 1);
    return Store.file(
        fileRejectsDir(), name.replaceAll("[^A-Za-z0-9._-]", "_") + "." + e.version() + ".jsonl");
  }

  /** Writes all runs' statistics to {@code run_stats/} from the run records, whole. */
  public void publishStats(Collection<RunRecord> records) throws IOException {
    List<RunStatistics> rows = new ArrayList<>();
    for (RunRecord r : records) {
      if (r.stats() != null) {
        rows.add(r.stats());
      }
    }
    rows.sort(java.util.Comparator.comparing(s -> s.runUuid));
    writeParquet(
        statsFile(),
        RunStatistics.SCHEMA,
        w -> {
          for (RunStatistics s : rows) {
            s.write(w);
          }
        });
  }

  /** Rows to a Parquet file. */
  public interface Rows {
    void write(ParquetWriter<Group> w) throws IOException;
  }

  /** Writes a Parquet file whole ({@link Store#write(ResourceId, Store.ChannelWriter)}). */
  public static void writeParquet(
      ResourceId target, org.apache.parquet.schema.MessageType schema, Rows rows)
      throws IOException {
    Store.write(
        target,
        ch -> {
          try (ParquetWriter<Group> w = ParquetChannels.groupWriter(ch, schema)) {
            rows.write(w);
          }
        });
  }

  /** Rejects as JSON lines to {@code target}, whole. */
  public static void writeRejects(ResourceId target, List<Failure> rejects) throws IOException {
    StringBuilder b = new StringBuilder();
    for (Failure f : rejects) {
      b.append(f.toJson()).append('\n');
    }
    Store.write(target, b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Deletes a run's table: its file, and locally its then empty {@code run_uuid=} folder. */
  public void deleteRunFile(String run) throws IOException {
    ResourceId f = runFile(run);
    Store.deleteIfExists(f);
    if (Store.isLocal(f)) {
      Files.deleteIfExists(Store.local(f).getParent());
    }
  }

  /** Deletes a run's outputs (it has no readings left). */
  public void deleteOutputs(String run) throws IOException {
    deleteRunFile(run);
    Store.deleteIfExists(cleanFile(run), sourcesFile(run), runRejects(run));
  }

  /**
   * After a crash: removes blobs and file rejects that no entry names, entries of files that are
   * gone (their runs are then dirty), and locally the temporary files of interrupted writes.
   * Returns the entries removed.
   */
  public List<Entry> tidy() throws IOException {
    List<Entry> gone = new ArrayList<>();
    Set<String> blobs = new HashSet<>();
    Set<String> rejectFiles = new HashSet<>();
    for (Entry e : entries()) {
      if (!Store.exists(FileSystems.matchNewResource(e.path(), false))) {
        remove(e);
        gone.add(e);
        continue;
      }
      blobs.add(blob(e).getFilename());
      rejectFiles.add(fileRejects(e).getFilename());
    }
    if (!gone.isEmpty()) {
      entries();
    }
    sweep(control("staged"), "", n -> !blobs.contains(n));
    sweep(fileRejectsDir(), ".jsonl", n -> !rejectFiles.contains(n));
    if (Store.isLocal(output())) {
      sweepTemporary(Store.local(output()));
    }
    return gone;
  }

  private static void sweep(ResourceId dir, String suffix, Predicate<String> delete)
      throws IOException {
    List<ResourceId> doomed = new ArrayList<>();
    for (Metadata m : Store.list(dir, suffix)) {
      if (delete.test(m.resourceId().getFilename())) {
        doomed.add(m.resourceId());
      }
    }
    Store.deleteIfExists(doomed.toArray(ResourceId[]::new));
  }

  /** Deletes the hidden temporary files an interrupted local write left in the job's folders. */
  private static void sweepTemporary(Path out) throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (String d :
        new String[] {
          "_continuous/files",
          "_continuous/staged",
          "_continuous/runs",
          "clean",
          "run_sources",
          "run_stats",
          "_rejected/clean",
          "_rejected/runs"
        }) {
      dirs.add(out.resolve(d));
    }
    if (Files.isDirectory(out.resolve("runs"))) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(out.resolve("runs"))) {
        for (Path p : ds) {
          if (Files.isDirectory(p)) {
            dirs.add(p);
          }
        }
      }
    }
    for (Path dir : dirs) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*")) {
        for (Path p : ds) {
          if (Files.isRegularFile(p)) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }
}
