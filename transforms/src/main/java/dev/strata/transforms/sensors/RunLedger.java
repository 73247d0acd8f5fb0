package dev.strata.transforms.sensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.transforms.common.Checksums;
import dev.strata.transforms.common.Failure;
import dev.strata.transforms.common.ParquetChannels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetWriter;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the continuous sensors job keeps on disk, and its outputs: the only record that survives a
 * crash (no Flink state is needed). Under {@code <output>/_continuous/}:
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
 * Outputs, each replaced by a write to a hidden temporary name and an atomic rename, so readers see
 * the old or the new file, never half of one: {@code clean/run-<id>.parquet}, {@code
 * run_sources/run-<id>.parquet}, {@code runs/run_uuid=<id>/part-00000-of-00001.parquet} (the batch
 * job's name), {@code run_stats/part-00000-of-00001.parquet} (all runs, rebuilt from the run
 * records), and rejects in {@code _rejected/clean/<file>.<sha12>.jsonl} (per file version) and
 * {@code _rejected/runs/run-<id>.jsonl} (per run). Local directories only.
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

  public RunLedger(Path output) {
    this.root = output.toString();
  }

  public Path output() {
    return Path.of(root);
  }

  private Path control(String sub) {
    return output().resolve("_continuous").resolve(sub);
  }

  /** Creates every folder the job writes. */
  public RunLedger create() throws IOException {
    for (String d : new String[] {"files", "staged", "runs"}) {
      Files.createDirectories(control(d));
    }
    for (String d : new String[] {"clean", "runs", "run_sources", "run_stats"}) {
      Files.createDirectories(output().resolve(d));
    }
    Files.createDirectories(output().resolve("_rejected").resolve("clean"));
    Files.createDirectories(output().resolve("_rejected").resolve("runs"));
    return this;
  }

  /** A short stable file-name key of any string (a path, a run id). */
  public static String key(String s) {
    return Checksums.sha256(s.getBytes(StandardCharsets.UTF_8)).substring(0, 20);
  }

  // ------------------------------------------------------------------ file entries

  private Path entryFile(String path) {
    return control("files").resolve(key(path) + ".json");
  }

  private Path blob(Entry e) {
    return control("staged").resolve(key(e.path()) + "-" + e.version() + ".bin");
  }

  public @Nullable Entry entry(String path) throws IOException {
    Path f = entryFile(path);
    try {
      return parse(Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Every entry, re-reading only the entry files changed since the last call on this object. */
  public synchronized List<Entry> entries() throws IOException {
    if (cache == null) {
      cache = new ConcurrentHashMap<>();
    }
    Map<String, Cached> seen = new HashMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(control("files"), "*.json")) {
      for (Path f : ds) {
        String name = f.getFileName().toString();
        long modified;
        long length;
        try {
          modified = Files.getLastModifiedTime(f).toMillis();
          length = Files.size(f);
        } catch (NoSuchFileException gone) {
          continue;
        }
        Cached c = cache.get(name);
        if (c == null || c.modified != modified || c.length != length) {
          try {
            c = new Cached(modified, length, parse(Files.readAllBytes(f)));
          } catch (NoSuchFileException gone) {
            continue;
          }
        }
        seen.put(name, c);
      }
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
   * entry, both atomically; then the previous version's blob and rejects are removed.
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
    writeAtomically(blob(e), bytes.toByteArray());
    Path rejectFile = fileRejects(e);
    if (rejects.isEmpty()) {
      Files.deleteIfExists(rejectFile);
    } else {
      writeRejects(rejectFile, rejects);
    }
    put(e);
    if (previous != null && !previous.version().equals(e.version())) {
      Files.deleteIfExists(blob(previous));
      Files.deleteIfExists(fileRejects(previous));
    }
    return e;
  }

  /** Records that an unchanged file's content now has another size or mtime (touched). */
  public void restat(Entry e, long size, long mtime) throws IOException {
    put(e.withStat(size, mtime));
  }

  /** Forgets a file that is gone: its entry, blob and rejects. */
  public void remove(Entry e) throws IOException {
    Files.deleteIfExists(entryFile(e.path()));
    Files.deleteIfExists(blob(e));
    Files.deleteIfExists(fileRejects(e));
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
    writeAtomically(entryFile(e.path()), JSON.writeValueAsBytes(n));
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

  /** The staged readings of {@code run} in file version {@code e}. */
  public List<SignalSeries> staged(Entry e, String run) throws IOException {
    long[] range = e.runs().get(run);
    if (range == null) {
      return List.of();
    }
    byte[] b = new byte[Math.toIntExact(range[1])];
    try (FileChannel ch = FileChannel.open(blob(e), StandardOpenOption.READ)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
      long pos = range[0];
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw new IOException(blob(e) + " is shorter than its entry says");
        }
        pos += n;
      }
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

  private Path runRecord(String run) {
    return control("runs").resolve(key(run) + ".bin");
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
    writeAtomically(runRecord(r.run()), b.toByteArray());
  }

  public void removeRun(String run) throws IOException {
    Files.deleteIfExists(runRecord(run));
  }

  /** Every run record, by run. */
  public Map<String, RunRecord> runs() throws IOException {
    Map<String, RunRecord> out = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(control("runs"), "*.bin")) {
      for (Path f : ds) {
        DataInputStream in;
        try {
          in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(f)));
        } catch (NoSuchFileException gone) {
          continue;
        }
        String run = in.readUTF();
        String fp = in.readUTF();
        RunStatistics s = in.readBoolean() ? RunStatisticsCoder.of().decode(in) : null;
        out.put(run, new RunRecord(run, fp, s));
      }
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

  public Path cleanFile(String run) {
    return output().resolve("clean").resolve("run-" + run + ".parquet");
  }

  public Path sourcesFile(String run) {
    return output().resolve("run_sources").resolve("run-" + run + ".parquet");
  }

  public Path runFile(String run) {
    return output().resolve("runs").resolve("run_uuid=" + run).resolve(PART_FILE);
  }

  public Path statsFile() {
    return output().resolve("run_stats").resolve(PART_FILE);
  }

  public Path runRejects(String run) {
    return output().resolve("_rejected").resolve("runs").resolve("run-" + run + ".jsonl");
  }

  public Path fileRejects(Entry e) {
    String name = e.path().substring(e.path().lastIndexOf('/') + 1);
    return output()
        .resolve("_rejected")
        .resolve("clean")
        .resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + "." + e.version() + ".jsonl");
  }

  /** Writes all runs' statistics to {@code run_stats/} from the run records, atomically. */
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

  /** Writes a Parquet file to a hidden temporary name in its folder, then renames it into place. */
  public static void writeParquet(
      Path target, org.apache.parquet.schema.MessageType schema, Rows rows) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp =
        target.resolveSibling("." + target.getFileName() + ".tmp-" + java.util.UUID.randomUUID());
    try {
      try (FileChannel ch =
              FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          ParquetWriter<Group> w = ParquetChannels.groupWriter(ch, schema)) {
        rows.write(w);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Rejects as JSON lines to {@code target}, atomically. */
  public static void writeRejects(Path target, List<Failure> rejects) throws IOException {
    StringBuilder b = new StringBuilder();
    for (Failure f : rejects) {
      b.append(f.toJson()).append('\n');
    }
    writeAtomically(target, b.toString().getBytes(StandardCharsets.UTF_8));
  }

  static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp =
        target.resolveSibling("." + target.getFileName() + ".tmp-" + java.util.UUID.randomUUID());
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Deletes a run's outputs (it has no readings left). */
  public void deleteOutputs(String run) throws IOException {
    Files.deleteIfExists(runFile(run));
    Files.deleteIfExists(runFile(run).getParent());
    Files.deleteIfExists(cleanFile(run));
    Files.deleteIfExists(sourcesFile(run));
    Files.deleteIfExists(runRejects(run));
  }

  /**
   * After a crash: removes temporary files, blobs and file rejects that no entry names, and entries
   * of files that are gone (their runs are then dirty). Returns the entries removed.
   */
  public List<Entry> tidy() throws IOException {
    List<Entry> gone = new ArrayList<>();
    java.util.Set<String> blobs = new java.util.HashSet<>();
    java.util.Set<String> rejectFiles = new java.util.HashSet<>();
    for (Entry e : entries()) {
      if (!Files.exists(Path.of(e.path()))) {
        remove(e);
        gone.add(e);
        continue;
      }
      blobs.add(blob(e).getFileName().toString());
      rejectFiles.add(fileRejects(e).getFileName().toString());
    }
    if (!gone.isEmpty()) {
      entries();
    }
    sweep(control("staged"), n -> !blobs.contains(n));
    sweep(
        output().resolve("_rejected").resolve("clean"),
        n -> n.startsWith(".") || (n.endsWith(".jsonl") && !rejectFiles.contains(n)));
    for (String d : new String[] {"files", "runs"}) {
      sweep(control(d), n -> n.startsWith("."));
    }
    for (String d : new String[] {"clean", "run_sources", "run_stats", "_rejected/runs"}) {
      sweep(output().resolve(d), n -> n.startsWith("."));
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(output().resolve("runs"))) {
      for (Path p : ds) {
        if (Files.isDirectory(p)) {
          sweep(p, n -> n.startsWith("."));
        }
      }
    }
    return gone;
  }

  private static void sweep(Path dir, java.util.function.Predicate<String> delete)
      throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (Files.isRegularFile(p) && delete.test(p.getFileName().toString())) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
