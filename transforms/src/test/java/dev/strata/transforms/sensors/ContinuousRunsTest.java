package dev.strata.transforms.sensors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.strata.transforms.common.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@link ContinuousRuns} on the DirectRunner with {@link TestStream}: file versions arrive, runs
 * settle on processing time, a changed file is staged again and the runs it touches (before and
 * after) are recomputed, a run no file holds any more is removed, and the figures match the files
 * counted by hand.
 */
public class ContinuousRunsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final ContinuousRuns.Rules RULES =
      new ContinuousRuns.Rules(
          new ReadingRules(-10_000, 10_000, -10_000, 10_000),
          new SpikeDetector(5, 8.0),
          false,
          new AlignSpec(10_000_000L, 0));

  /** Readings of one robot's six signals once a second from {@code from} to {@code to} s. */
  static String readings(String run, int robot, int from, int to, double offset) {
    StringBuilder b = new StringBuilder();
    String[][] fields = {
      {"x", "encoder"}, {"y", "encoder"}, {"z", "encoder"},
      {"fx", "load_cell"}, {"fy", "load_cell"}, {"fz", "load_cell"}
    };
    for (String[] f : fields) {
      for (int s = from; s <= to; s++) {
        b.append(
            String.format(
                "0,2022-11-23T20:40:%02d.000Z,%s,%s,1,%d,%s,%s%n",
                s, offset + s * 1.5, f[0], robot, run, f[1]));
      }
    }
    return b.toString();
  }

  static Path csv(Path dir, String name, String... bodies) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(
        f, ",time,value,field,cell_id,robot_id,run_uuid,sensor_type\n" + String.join("", bodies));
    return f;
  }

  static Metadata stat(Path f) throws Exception {
    return FileSystems.matchSingleFileSpec(f.toString());
  }

  @Test
  public void runsSettleAreRecomputedFromAllTheirFilesAndChangesReplaceThem() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Path out = tmp.newFolder("out").toPath();
    RunLedger ledger = new RunLedger(out).create();
    // run 11 is spread over two files; run 22 is in the first only
    Path f1 = csv(in, "a.csv", readings("11", 1, 0, 9, 0), readings("22", 1, 0, 4, 100));
    Path f2 = csv(in, "b.csv", readings("11", 1, 10, 19, 0));
    Metadata m1 = stat(f1);
    Metadata m2 = stat(f2);
    // a new version of a.csv: run 22 gone, run 11's first half shifted by one
    Path staging = tmp.newFolder("staging").toPath();
    Path f1b = csv(staging, "a.csv", readings("11", 1, 0, 9, 1));
    Files.setLastModifiedTime(f1b, FileTime.fromMillis(m1.lastModifiedMillis() + 60_000));

    TestStream<Metadata> arrivals =
        TestStream.create(MetadataCoderV2.of())
            .addElements(m1)
            .advanceProcessingTime(Duration.standardSeconds(2))
            .addElements(m2) // touches run 11 within its settle time: one recompute of it
            .advanceProcessingTime(Duration.standardSeconds(20))
            .advanceWatermarkTo(org.joda.time.Instant.EPOCH.plus(Duration.standardDays(1)))
            .advanceWatermarkToInfinity();
    p.apply(arrivals).apply(ContinuousRuns.into(ledger, RULES, Duration.standardSeconds(5)));
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(
        2, SensorsTesting.counter(r, ContinuousRuns.class, ContinuousRuns.RUNS_RECOMPUTED));
    assertEquals(2, SensorsTesting.counter(r, ContinuousRuns.class, ContinuousRuns.FILES_STAGED));
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      List<String> rows =
          rows(
              s,
              "SELECT run_uuid, source_files, samples_x_1, samples_fz_1, grid_points FROM"
                  + " read_parquet('"
                  + out
                  + "/run_stats/*.parquet') ORDER BY run_uuid");
      // run 11: 20 readings per signal over 19 s → 1,901 grid points at 10 ms
      assertEquals(List.of("11|2|20|20|1901", "22|1|5|5|401"), rows);
      assertEquals(
          List.of("11|20", "22|5"),
          rows(
              s,
              "SELECT run_uuid, count(*) FROM read_parquet('"
                  + out
                  + "/clean/*.parquet') WHERE field = 'x' GROUP BY 1 ORDER BY 1"));
      assertEquals(
          List.of("11|b.csv|60", "11|a.csv|60", "22|a.csv|30"),
          rows(
              s,
              "SELECT run_uuid, regexp_extract(source_file, '[^/]+$'), readings FROM"
                  + " read_parquet('"
                  + out
                  + "/run_sources/*.parquet') ORDER BY run_uuid, source_file DESC"));
    }
    assertTrue(Files.exists(Store.local(ledger.runFile("11"))));
    assertTrue(ledger.dirtyRuns().isEmpty());

    // Second start: the changed file arrives; the unchanged one again (a restart lists it).
    Files.move(f1b, f1, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    FileTime run11Before = Files.getLastModifiedTime(Store.local(ledger.runFile("11")));
    org.apache.beam.sdk.Pipeline again =
        org.apache.beam.sdk.Pipeline.create(
            org.apache.beam.sdk.options.PipelineOptionsFactory.create());
    again
        .apply(
            TestStream.create(MetadataCoderV2.of())
                .addElements(stat(f1), stat(f2))
                .advanceProcessingTime(Duration.standardSeconds(20))
                .advanceWatermarkToInfinity())
        .apply(ContinuousRuns.into(new RunLedger(out), RULES, Duration.standardSeconds(5)));
    PipelineResult r2 = again.run();
    r2.waitUntilFinish();
    assertEquals(1, SensorsTesting.counter(r2, ContinuousRuns.class, ContinuousRuns.FILES_STAGED));
    assertEquals(
        2, SensorsTesting.counter(r2, ContinuousRuns.class, ContinuousRuns.RUNS_RECOMPUTED));
    assertFalse("run 22 is in no file any more", Files.exists(Store.local(ledger.runFile("22"))));
    assertTrue(
        Files.getLastModifiedTime(Store.local(ledger.runFile("11"))).compareTo(run11Before) >= 0);
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      assertEquals(
          List.of("11|2|20"),
          rows(
              s,
              "SELECT run_uuid, source_files, samples_x_1 FROM read_parquet('"
                  + out
                  + "/run_stats/*.parquet')"));
      // the first half now holds the shifted values: 0 + 1.5 s + 1
      assertEquals(
          List.of("1.0"),
          rows(
              s,
              "SELECT value FROM read_parquet('"
                  + out
                  + "/clean/*.parquet') WHERE field = 'x' AND time = TIMESTAMP '2022-11-23"
                  + " 20:40:00'"));
    }
    assertTrue(ledger.dirtyRuns().isEmpty());
  }

  /** A file that is gone when it is to be read is a reject, and the stream goes on. */
  @Test
  public void aFileThatVanishedIsRejectedByNameAndTheOthersGoOn() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Path out = tmp.newFolder("out").toPath();
    RunLedger ledger = new RunLedger(out).create();
    Path gone = csv(in, "gone.csv", readings("33", 1, 0, 3, 0));
    Metadata goneStat = stat(gone);
    Files.delete(gone);
    Path kept = csv(in, "kept.csv", readings("44", 1, 0, 3, 0));
    p.apply(
            TestStream.create(MetadataCoderV2.of())
                .addElements(goneStat, stat(kept))
                .advanceProcessingTime(Duration.standardSeconds(10))
                .advanceWatermarkToInfinity())
        .apply(ContinuousRuns.into(ledger, RULES, Duration.standardSeconds(1)));
    p.run().waitUntilFinish();
    List<String> rejects = new ArrayList<>();
    try (var ds = Files.newDirectoryStream(out.resolve("_rejected/clean"))) {
      for (Path f : ds) {
        rejects.add(Files.readString(f));
      }
    }
    assertEquals(rejects.toString(), 1, rejects.size());
    assertTrue(
        rejects.get(0), rejects.get(0).contains("gone.csv") && rejects.get(0).contains("vanished"));
    assertTrue(Files.exists(Store.local(ledger.runFile("44"))));
    assertFalse(Files.exists(Store.local(ledger.runFile("33"))));
    assertEquals(1, ledger.entries().size());
  }

  private static List<String> rows(Statement s, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          b.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(b.toString());
      }
    }
    return out;
  }
}
