package dev.strata.transforms.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * Drops the file versions the ledger already holds, before anything reads them: a listed file whose
 * ledger row has the same name, size and {@code source_mtime} and status {@code loaded} or {@code
 * rejected} was processed as that version, so a restart over a large backlog costs its listing and
 * one ledger query per {@link #BATCH} files instead of reading every file again. What passes is
 * loaded as usual, where the checksum decides ({@link FileLoader#loadAll}): a file with a new
 * modification time but the same bytes is read, found unchanged, and its ledger row learns the new
 * time.
 *
 * <p>In the global window; names are looked up a batch at a time, at {@link #BATCH} names and at
 * the end of every bundle. Counter (namespace: this class): {@link #SKIPPED}.
 */
public final class SkipKnownVersions
    extends PTransform<PCollection<Metadata>, PCollection<Metadata>> {
  /** Counter: file versions the ledger already held, dropped unread. */
  public static final String SKIPPED = "skippedKnown";

  /** Names per ledger query. */
  static final int BATCH = 500;

  private final LoadToPostgres.Target target;

  private SkipKnownVersions(LoadToPostgres.Target target) {
    this.target = target;
  }

  /** Looks up the ledger of {@code target}'s table. */
  public static SkipKnownVersions in(LoadToPostgres.Target target) {
    return new SkipKnownVersions(target);
  }

  @Override
  public PCollection<Metadata> expand(PCollection<Metadata> files) {
    return files.apply("LookUpLedger", ParDo.of(new SkipFn(target))).setCoder(MetadataCoderV2.of());
  }

  static final class SkipFn extends DoFn<Metadata, Metadata> {
    private final LoadToPostgres.Target target;
    private final Counter skipped = Metrics.counter(SkipKnownVersions.class, SKIPPED);
    private transient Connection connection;
    private transient WarehouseTables tables;
    private transient List<Metadata> batch;
    private transient List<Instant> stamps;

    SkipFn(LoadToPostgres.Target target) {
      this.target = target;
    }

    @Setup
    public void setup() throws Exception {
      connection = LoadToPostgres.connect(target);
      tables = new WarehouseTables(target.table());
    }

    @StartBundle
    public void startBundle() {
      batch = new ArrayList<>();
      stamps = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element Metadata m, @Timestamp Instant ts, OutputReceiver<Metadata> out)
        throws Exception {
      batch.add(m);
      stamps.add(ts);
      if (batch.size() >= BATCH) {
        // Emitted at this element's time: an earlier element's time may be too far back to emit
        // from here. Nothing downstream uses event time.
        for (Metadata n : unknown()) {
          out.output(n);
        }
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext c) throws Exception {
      Instant last = stamps.isEmpty() ? null : stamps.get(stamps.size() - 1);
      for (Metadata n : unknown()) {
        c.output(n, last, GlobalWindow.INSTANCE);
      }
    }

    /** The batch's versions the ledger does not hold processed; the batch is emptied. */
    private List<Metadata> unknown() throws Exception {
      if (batch.isEmpty()) {
        return List.of();
      }
      String[] names = new String[batch.size()];
      for (int i = 0; i < names.length; i++) {
        names[i] = batch.get(i).resourceId().getFilename();
      }
      Map<String, long[]> known = new HashMap<>();
      try (PreparedStatement ps =
          connection.prepareStatement(
              "SELECT file_name, size_bytes, source_mtime FROM "
                  + tables.ledger
                  + " WHERE file_name = ANY(?) AND source_mtime IS NOT NULL"
                  + " AND status IN ('loaded', 'rejected')")) {
        ps.setArray(1, connection.createArrayOf("text", names));
        try (ResultSet r = ps.executeQuery()) {
          while (r.next()) {
            known.put(r.getString(1), new long[] {r.getLong(2), r.getLong(3)});
          }
        }
      }
      List<Metadata> out = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        Metadata m = batch.get(i);
        long[] k = known.get(names[i]);
        if (k != null
            && m.lastModifiedMillis() > 0
            && k[0] == m.sizeBytes()
            && k[1] == m.lastModifiedMillis()) {
          skipped.inc();
        } else {
          out.add(m);
        }
      }
      batch.clear();
      stamps.clear();
      return out;
    }

    @Teardown
    public void teardown() throws Exception {
      if (connection != null) {
        connection.close();
      }
    }
  }
}
