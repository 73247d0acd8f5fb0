package dev.strata.transforms.warehouse;

import dev.strata.transforms.common.Failure;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Instant;

/**
 * Loads Parquet files into PostgreSQL with {@link FileLoader}: each worker holds one connection (so
 * the runner's parallelism is the number of concurrent {@code COPY}s) and sends its files in
 * batches of up to {@link #withBatchSize} files, each batch one transaction with its files' ledger
 * rows, so a retried bundle or a rerun never loads a file twice. A batch closes when it is full and
 * at the end of every bundle, so nothing waits for more input than the runner gives at once.
 *
 * <p>The input must be in the global window (a bounded list of files, like {@code FileIO.match()}
 * gives): results of a batch are emitted when it commits, which may be at the end of the bundle.
 *
 * <p>Consumes bounded {@link FileIO.ReadableFile}s. Produces on {@link #RESULTS} one {@link
 * FileLoader.Result} per file ({@link FileLoader.ResultCoder}) and on {@link #FAILURES} each
 * rejected file with its reason. Counters (namespace: this class): {@link #FILES}, {@link #LOADED},
 * {@link #REPLACED}, {@link #UNCHANGED}, {@link #REJECTED}, {@link #ROWS}, {@link #DECODED}. The
 * tables must exist ({@link FileLoader#createTables}).
 */
public final class LoadToPostgres
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollectionTuple> {
  public static final TupleTag<FileLoader.Result> RESULTS = new TupleTag<FileLoader.Result>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};

  /** Counter: files processed (loaded + replaced + unchanged + rejected). */
  public static final String FILES = "files";

  /** Counter: files loaded for the first time. */
  public static final String LOADED = "loaded";

  /** Counter: changed files whose earlier rows were replaced. */
  public static final String REPLACED = "replaced";

  /** Counter: files the ledger already holds with the same checksum. */
  public static final String UNCHANGED = "unchanged";

  /** Counter: files rejected, on {@link #FAILURES}. */
  public static final String REJECTED = "rejected";

  /** Counter: rows sent to the table. */
  public static final String ROWS = "rows";

  /**
   * Counter: files decoded into COPY tuples. A file the ledger already holds unchanged is only read
   * and hashed, so a rerun of unchanged files decodes none.
   */
  public static final String DECODED = "decoded";

  /**
   * Where to connect; the password never appears in logs or manifests. It does travel inside the
   * serialized function to the workers (as with Beam's JdbcIO); leave it null to have each worker
   * use its own {@code PGPASSWORD}, as Dataflow job specs do.
   */
  public record Target(String jdbcUrl, String user, String password, String table)
      implements Serializable {
    @Override
    public String toString() {
      return jdbcUrl + " as " + user + " into " + table;
    }
  }

  /** A batch closes at this many bytes of input files too, whatever its file count. */
  static final long MAX_BATCH_BYTES = 64L << 20;

  /** Files per transaction unless said otherwise: ~60k rows, a few MB of COPY data. */
  public static final int DEFAULT_BATCH_SIZE = 32;

  private final Target target;
  private final int batchSize;

  private LoadToPostgres(Target target, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, not " + batchSize);
    }
    this.target = target;
    this.batchSize = batchSize;
  }

  public static LoadToPostgres into(Target target) {
    return new LoadToPostgres(target, DEFAULT_BATCH_SIZE);
  }

  /** Files per transaction (1: one transaction per file). */
  public LoadToPostgres withBatchSize(int files) {
    return new LoadToPostgres(target, files);
  }

  @Override
  public PCollectionTuple expand(PCollection<FileIO.ReadableFile> files) {
    if (!(files.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException(
          "LoadToPostgres takes files in the global window, not "
              + files.getWindowingStrategy().getWindowFn());
    }
    PCollectionTuple out =
        files.apply(
            "CopyFiles",
            ParDo.of(new LoadFn(target, batchSize))
                .withOutputTags(RESULTS, TupleTagList.of(FAILURES)));
    out.get(RESULTS).setCoder(FileLoader.ResultCoder.of());
    return out;
  }

  /**
   * A worker's connection to {@code target}: without a password in the target (it travels with the
   * serialized function), the worker's own {@code PGPASSWORD} is used.
   *
   * <p>The PostgreSQL driver is called directly, not looked up through {@code DriverManager}: on a
   * Flink session cluster every job has a class loader of its own, and {@code DriverManager} only
   * hands a caller the drivers its class loader registered, so the second job on a TaskManager
   * failed with "No suitable driver found" (the first job's registration does not count for it).
   */
  static Connection connect(Target target) throws java.sql.SQLException {
    Properties p = new Properties();
    p.setProperty("user", target.user());
    String password = target.password() != null ? target.password() : System.getenv("PGPASSWORD");
    if (password != null) {
      p.setProperty("password", password);
    }
    Connection c = new org.postgresql.Driver().connect(target.jdbcUrl(), p);
    if (c == null) {
      throw new java.sql.SQLException(
          "not a PostgreSQL JDBC URL (jdbc:postgresql://...): " + target.jdbcUrl());
    }
    return c;
  }

  static final class LoadFn extends DoFn<FileIO.ReadableFile, FileLoader.Result> {
    private final Target target;
    private final int batchSize;
    private transient Connection connection;
    private transient FileLoader loader;
    private transient List<FileIO.ReadableFile> batch;
    private transient Set<String> batchNames;
    private transient long batchBytes;
    private final Counter files = Metrics.counter(LoadToPostgres.class, FILES);
    private final Counter loaded = Metrics.counter(LoadToPostgres.class, LOADED);
    private final Counter replaced = Metrics.counter(LoadToPostgres.class, REPLACED);
    private final Counter unchanged = Metrics.counter(LoadToPostgres.class, UNCHANGED);
    private final Counter rejected = Metrics.counter(LoadToPostgres.class, REJECTED);
    private final Counter rows = Metrics.counter(LoadToPostgres.class, ROWS);
    private final Counter decoded = Metrics.counter(LoadToPostgres.class, DECODED);

    LoadFn(Target target, int batchSize) {
      this.target = target;
      this.batchSize = batchSize;
    }

    @Setup
    public void setup() throws Exception {
      connection = connect(target);
      loader = new FileLoader(target.table());
    }

    @StartBundle
    public void startBundle() {
      batch = new ArrayList<>(batchSize);
      batchNames = new HashSet<>();
      batchBytes = 0;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws Exception {
      // A second version of a file in one batch (streaming can deliver both in a bundle): load the
      // first one's batch, then the later version in the next, as a rerun would.
      if (batchNames.contains(file.getMetadata().resourceId().getFilename())) {
        flush(out.get(RESULTS)::output, out.get(FAILURES)::output);
      }
      batch.add(file);
      batchNames.add(file.getMetadata().resourceId().getFilename());
      batchBytes += file.getMetadata().sizeBytes();
      // Files are held decoded (~2x their size) until the batch commits: bound that too.
      if (batch.size() >= batchSize || batchBytes >= MAX_BATCH_BYTES) {
        flush(out.get(RESULTS)::output, out.get(FAILURES)::output);
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws Exception {
      Instant ts = BoundedWindow.TIMESTAMP_MIN_VALUE;
      flush(
          r -> context.output(RESULTS, r, ts, GlobalWindow.INSTANCE),
          f -> context.output(FAILURES, f, ts, GlobalWindow.INSTANCE));
    }

    private void flush(Consumer<FileLoader.Result> results, Consumer<Failure> failures)
        throws Exception {
      if (batch.isEmpty()) {
        return;
      }
      List<FileLoader.Source> sources = new ArrayList<>(batch.size());
      for (FileIO.ReadableFile f : batch) {
        sources.add(
            new FileLoader.Source(
                f.getMetadata().resourceId().getFilename(),
                f.getMetadata().sizeBytes(),
                () -> open(f),
                f.getMetadata().lastModifiedMillis()));
      }
      List<FileLoader.Result> done = loader.loadAll(connection, sources, decoded::inc);
      for (int i = 0; i < done.size(); i++) {
        FileLoader.Result r = done.get(i);
        files.inc();
        switch (r.status()) {
          case LOADED -> loaded.inc();
          case REPLACED -> replaced.inc();
          case UNCHANGED -> unchanged.inc();
          case REJECTED -> {
            rejected.inc();
            String reason = r.reason();
            int colon = reason.indexOf(':');
            failures.accept(
                Failure.of(
                    "LoadToPostgres",
                    batch.get(i).getMetadata().resourceId().toString(),
                    null,
                    colon > 0 ? reason.substring(0, colon) : reason,
                    reason,
                    r.file()));
          }
        }
        rows.inc(r.rows());
        results.accept(r);
      }
      batch.clear();
      batchNames.clear();
      batchBytes = 0;
    }

    /**
     * Opens a file; if that fails because the file is gone since it was listed, says so with a
     * {@link NoSuchFileException} (Beam's file systems throw a {@code FileNotFoundException} for a
     * missing file and for one they may not read alike), which the loader reports as vanished.
     */
    private static SeekableByteChannel open(FileIO.ReadableFile f) throws IOException {
      try {
        return f.openSeekable();
      } catch (NoSuchFileException e) {
        throw e;
      } catch (IOException e) {
        ResourceId id = f.getMetadata().resourceId();
        boolean gone;
        if ("file".equals(id.getScheme())) {
          gone = !new File(id.toString()).exists();
        } else {
          MatchResult m = FileSystems.match(List.of(id.toString())).get(0);
          gone = m.status() == MatchResult.Status.NOT_FOUND;
        }
        if (!gone) {
          throw e;
        }
        NoSuchFileException n = new NoSuchFileException(id.toString());
        n.initCause(e);
        throw n;
      }
    }

    @Teardown
    public void teardown() throws Exception {
      if (connection != null) {
        connection.close();
      }
    }
  }
}
