package dev.strata.transforms.sensors;

import static org.junit.Assert.assertEquals;

import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/**
 * The sensors job's files, read back with DuckDB: the run statistics in one file ({@code run_stats}
 * columns in order, one row per run with the hand-worked values of {@link RunFixtures}, nulls where
 * a robot has no such value), one partition per run, and the clean long rows.
 */
public class WriteSensorsParquetTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static List<String> query(String sql, List<String> columns) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      ResultSetMetaData md = r.getMetaData();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        columns.add(md.getColumnName(i));
      }
      while (r.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          b.append(i > 1 ? "|" : "").append(r.getString(i));
        }
        rows.add(b.toString());
      }
    }
    return rows;
  }

  @Test
  @Category(NeedsRunner.class)
  public void runStatisticsAreOneFileOneRowPerRun() throws Exception {
    String dir = tmp.getRoot() + "/run_stats";
    p.apply(
            Create.of(
                RunFixtures.table("r1", RunFixtures.r1()),
                RunFixtures.table("r2", RunFixtures.r2())))
        .apply("ComputeRunStatistics", ComputeRunStatistics.create())
        .apply("WriteRunStatistics", WriteSensorsParquet.runStatistics(dir));
    p.run().waitUntilFinish();
    assertEquals(
        List.of("part-00000-of-00001.parquet"),
        List.of(new File(dir).list((d, name) -> name.endsWith(".parquet"))));
    List<String> columns = new ArrayList<>();
    List<String> rows =
        query(
            "SELECT run_uuid, epoch_ns(start_time) - "
                + RunFixtures.T0
                + ", epoch_ns(stop_time) - "
                + RunFixtures.T0
                + ", round(runtime_s, 9), round(distance_1_mm, 9), round(distance_2_mm, 9),"
                + " round(total_distance_mm, 9), samples_fx_1, samples_x_1, samples_x_2,"
                + " missing_signals, round(max_force_1_n, 9), max_force_2_n,"
                + " round(mean_speed_1_mm_s, 6), round(max_speed_1_mm_s, 6),"
                + " round(mean_speed_2_mm_s, 6), round(max_speed_2_mm_s, 6), grid_points,"
                + " grid_points_dropped, spikes_flagged FROM '"
                + dir
                + "/*.parquet' ORDER BY run_uuid",
            columns);
    assertEquals(
        List.of(
            "r1|0|20000000|0.02|10.0|null|10.0|3|3|0|fx_2,fy_2,fz_2,x_2,y_2,z_2|5.0|null"
                + "|500.0|500.0|null|null|3|0|0",
            "r2|0|200000000|0.2|null|3.0|3.0|0|0|5|fx_1,fx_2,fy_1,fy_2,fz_1,fz_2,x_1,y_1,z_1"
                + "|null|null|null|null|100.0|100.0|5|16|1"),
        rows);
    List<String> names =
        query(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM '" + dir + "/*.parquet')",
            new ArrayList<>());
    assertEquals(
        List.of(
            "run_uuid",
            "start_time",
            "stop_time",
            "runtime_s",
            "distance_1_mm",
            "distance_2_mm",
            "total_distance_mm",
            "samples_fx_1",
            "samples_fx_2",
            "samples_fy_1",
            "samples_fy_2",
            "samples_fz_1",
            "samples_fz_2",
            "samples_x_1",
            "samples_x_2",
            "samples_y_1",
            "samples_y_2",
            "samples_z_1",
            "samples_z_2",
            "missing_signals",
            "max_force_1_n",
            "max_force_2_n",
            "mean_speed_1_mm_s",
            "max_speed_1_mm_s",
            "mean_speed_2_mm_s",
            "max_speed_2_mm_s",
            "grid_points",
            "grid_points_dropped",
            "spikes_flagged",
            "source_files",
            "recomputed_at"),
        names);
  }

  @Test
  @Category(NeedsRunner.class)
  public void runsArePartitionedByRunAndCleanReadingsAreLongRows() throws Exception {
    String runs = tmp.getRoot() + "/runs";
    String clean = tmp.getRoot() + "/clean";
    p.apply(
            "Tables",
            Create.of(
                RunFixtures.table("r1", RunFixtures.r1()),
                RunFixtures.table("r2", RunFixtures.r2())))
        .apply("WriteRuns", WriteSensorsParquet.runs(runs));
    p.apply("Series", Create.of(new java.util.ArrayList<>(RunFixtures.r2().values())))
        .apply("WriteClean", WriteSensorsParquet.clean(clean));
    p.run().waitUntilFinish();
    for (String run : List.of("r1", "r2")) {
      assertEquals(
          List.of("part-00000-of-00001.parquet"),
          List.of(new File(runs, "run_uuid=" + run).list((d, n) -> n.endsWith(".parquet"))));
    }
    assertEquals(
        List.of("r1|3|0.0|6.0|5.0", "r2|5|null|null|null"),
        query(
            "SELECT run_uuid, count(*), min(x_1), max(x_1), max(f1) FROM read_parquet('"
                + runs
                + "/*/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1",
            new ArrayList<>()));
    List<String> columns = new ArrayList<>();
    List<String> rows =
        query(
            "SELECT epoch_ns(time) - "
                + RunFixtures.T0
                + ", value, field, robot_id, run_uuid, sensor_type, quality FROM '"
                + clean
                + "/*.parquet' ORDER BY field, time",
            columns);
    assertEquals(
        List.of("value", "field", "robot_id", "run_uuid", "sensor_type", "quality"),
        columns.subList(1, 7));
    List<String> expected = new ArrayList<>();
    for (String field : List.of("x", "y", "z")) {
      long[] ms = {0, 10, 20, 30, 200};
      double[] x = {0, 1, 2, 3, 20};
      for (int i = 0; i < ms.length; i++) {
        double v = field.equals("x") ? x[i] : 0;
        String quality = field.equals("z") && i == 0 ? "spike" : "ok";
        expected.add(ms[i] * RunFixtures.MS + "|" + v + "|" + field + "|2|r2|encoder|" + quality);
      }
    }
    assertEquals(expected, rows);
  }
}
