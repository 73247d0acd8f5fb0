package dev.strata.transforms.warehouse;

import dev.strata.transforms.common.Failure;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Properties;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Loads Parquet files into PostgreSQL with {@link FileLoader}: each worker holds one connection (so
 * the runner's parallelism is the number of concurrent {@code COPY}s), each file is one transaction
 * with its ledger row, so a retried bundle or a rerun never loads a file twice.
 *
 * <p>Consumes bounded {@link FileIO.ReadableFile}s. Produces on {@link #RESULTS} one {@link
 * FileLoader.Result} per file and on {@link #FAILURES} each rejected file with its reason. Counters
 * ({@code LoadToPostgres}): {@code files}, {@code loaded}, {@code replaced}, {@code unchanged},
 * {@code rejected}, {@code rows}. The tables must exist ({@link FileLoader#createTables}).
 */
public final class LoadToPostgres
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollectionTuple> {
  public static final TupleTag<FileLoader.Result> RESULTS = new TupleTag<FileLoader.Result>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};

  /** Where to connect; the password never appears in logs or manifests. */
  public record Target(String jdbcUrl, String user, String password, String table)
      implements Serializable {
    @Override
    public String toString() {
      return jdbcUrl + " as " + user + " into " + table;
    }
  }

  private final Target target;

  private LoadToPostgres(Target target) {
    this.target = target;
  }

  public static LoadToPostgres into(Target target) {
    return new LoadToPostgres(target);
  }

  @Override
  public PCollectionTuple expand(PCollection<FileIO.ReadableFile> files) {
    PCollectionTuple out =
        files.apply(
            "CopyFiles",
            ParDo.of(new LoadFn(target)).withOutputTags(RESULTS, TupleTagList.of(FAILURES)));
    out.get(RESULTS).setCoder(SerializableCoder.of(FileLoader.Result.class));
    return out;
  }

  static final class LoadFn extends DoFn<FileIO.ReadableFile, FileLoader.Result> {
    private final Target target;
    private transient Connection connection;
    private transient FileLoader loader;
    private final Counter files = Metrics.counter(LoadToPostgres.class, "files");
    private final Counter loaded = Metrics.counter(LoadToPostgres.class, "loaded");
    private final Counter replaced = Metrics.counter(LoadToPostgres.class, "replaced");
    private final Counter unchanged = Metrics.counter(LoadToPostgres.class, "unchanged");
    private final Counter rejected = Metrics.counter(LoadToPostgres.class, "rejected");
    private final Counter rows = Metrics.counter(LoadToPostgres.class, "rows");

    LoadFn(Target target) {
      this.target = target;
    }

    @Setup
    public void setup() throws Exception {
      Properties p = new Properties();
      p.setProperty("user", target.user());
      if (target.password() != null) {
        p.setProperty("password", target.password());
      }
      connection = DriverManager.getConnection(target.jdbcUrl(), p);
      loader = new FileLoader(target.table());
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws Exception {
      String source = file.getMetadata().resourceId().toString();
      String name = file.getMetadata().resourceId().getFilename();
      FileLoader.Result r =
          loader.load(connection, name, file.getMetadata().sizeBytes(), file::openSeekable);
      files.inc();
      switch (r.status()) {
        case LOADED -> loaded.inc();
        case REPLACED -> replaced.inc();
        case UNCHANGED -> unchanged.inc();
        case REJECTED -> {
          rejected.inc();
          String reason = r.reason();
          int colon = reason.indexOf(':');
          out.get(FAILURES)
              .output(
                  Failure.of(
                      "LoadToPostgres",
                      source,
                      null,
                      colon > 0 ? reason.substring(0, colon) : reason,
                      reason,
                      name));
        }
      }
      rows.inc(r.rows());
      out.get(RESULTS).output(r);
    }

    @Teardown
    public void teardown() throws Exception {
      if (connection != null) {
        connection.close();
      }
    }
  }
}
