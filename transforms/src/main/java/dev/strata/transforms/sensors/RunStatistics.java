package dev.strata.transforms.sensors;

import java.io.IOException;
import java.io.Serializable;
import java.util.StringJoiner;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * One row per run: {@code run_uuid}, {@code start_time} and {@code stop_time} (its first and last
 * reading of any signal), {@code runtime_s}, {@code distance_1_mm} and {@code distance_2_mm} (path
 * length of each robot's tool: the sum of straight segments between consecutive grid points, never
 * across a dropped point; null for a robot without all three encoder axes), {@code
 * total_distance_mm} (their sum over the robots that have one), readings per signal ({@code
 * samples_fx_1 …}), {@code missing_signals} (comma-separated, empty if none), {@code
 * max_force_1_n}, {@code max_force_2_n}, {@code mean_speed_*_mm_s}, {@code max_speed_*_mm_s}, the
 * grid points kept and dropped, the readings flagged as spikes, and the run's lineage: {@code
 * source_files} (input files holding accepted readings of the run) and {@code recomputed_at} (when
 * the run's row was computed: the batch stage's start, or the continuous recompute).
 *
 * <p>Computed by {@link ComputeRunStatistics}, written by {@link
 * WriteSensorsParquet#runStatistics}; encoded by {@link RunStatisticsCoder}.
 */
@DefaultCoder(RunStatisticsCoder.class)
public final class RunStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final MessageType SCHEMA = schema();

  public final String runUuid;
  public final long startNanos;
  public final long stopNanos;
  public final double runtimeSeconds;
  public final double[] distanceMm;
  public final double totalDistanceMm;
  public final long[] samples;
  public final String missingSignals;
  public final double[] maxForce;
  public final double[] meanSpeed;
  public final double[] maxSpeed;
  public final long gridPoints;
  public final long gridPointsDropped;
  public final long spikes;

  /**
   * Input files that hold readings of the run ({@code source_files}); 0 until {@link #withLineage}.
   */
  public final long sourceFiles;

  /** When the run was computed, µs since the epoch ({@code recomputed_at}); 0 until set. */
  public final long recomputedAtMicros;

  /** Every field as given ({@link RunStatisticsCoder}, tests); the arrays have length 2 or 12. */
  RunStatistics(
      String runUuid,
      long startNanos,
      long stopNanos,
      double runtimeSeconds,
      double[] distanceMm,
      double totalDistanceMm,
      long[] samples,
      String missingSignals,
      double[] maxForce,
      double[] meanSpeed,
      double[] maxSpeed,
      long gridPoints,
      long gridPointsDropped,
      long spikes,
      long sourceFiles,
      long recomputedAtMicros) {
    this.runUuid = runUuid;
    this.startNanos = startNanos;
    this.stopNanos = stopNanos;
    this.runtimeSeconds = runtimeSeconds;
    this.distanceMm = distanceMm;
    this.totalDistanceMm = totalDistanceMm;
    this.samples = samples;
    this.missingSignals = missingSignals;
    this.maxForce = maxForce;
    this.meanSpeed = meanSpeed;
    this.maxSpeed = maxSpeed;
    this.gridPoints = gridPoints;
    this.gridPointsDropped = gridPointsDropped;
    this.spikes = spikes;
    this.sourceFiles = sourceFiles;
    this.recomputedAtMicros = recomputedAtMicros;
  }

  /** These statistics with the run's lineage: its number of source files and when computed. */
  public RunStatistics withLineage(long sourceFiles, long recomputedAtMicros) {
    return new RunStatistics(
        runUuid,
        startNanos,
        stopNanos,
        runtimeSeconds,
        distanceMm,
        totalDistanceMm,
        samples,
        missingSignals,
        maxForce,
        meanSpeed,
        maxSpeed,
        gridPoints,
        gridPointsDropped,
        spikes,
        sourceFiles,
        recomputedAtMicros);
  }

  /** The statistics of one aligned run. */
  public static RunStatistics of(RunTable t) {
    long start = t.firstReading();
    long stop = t.lastReading();
    StringJoiner m = new StringJoiner(",");
    for (Signal s : t.missing()) {
      m.add(s.column());
    }
    double[] distanceMm = new double[2];
    double[] maxForce = new double[2];
    double[] meanSpeed = new double[2];
    double[] maxSpeed = new double[2];
    double total = Double.NaN;
    for (int r = 0; r < 2; r++) {
      distanceMm[r] = distance(t, r + 1);
      if (!Double.isNaN(distanceMm[r])) {
        total = Double.isNaN(total) ? distanceMm[r] : total + distanceMm[r];
      }
      double[] f = t.column("f" + (r + 1));
      double[] v = t.column("v" + (r + 1));
      maxForce[r] = max(f);
      maxSpeed[r] = max(v);
      meanSpeed[r] = mean(v);
    }
    return new RunStatistics(
        t.runUuid(),
        start,
        stop,
        (stop - start) / 1e9,
        distanceMm,
        total,
        t.samples(),
        m.toString(),
        maxForce,
        meanSpeed,
        maxSpeed,
        t.size(),
        t.pointsDropped(),
        t.spikes(),
        0,
        0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RunStatistics r
        && runUuid.equals(r.runUuid)
        && startNanos == r.startNanos
        && stopNanos == r.stopNanos
        && java.util.Arrays.equals(distanceMm, r.distanceMm)
        && java.util.Arrays.equals(samples, r.samples)
        && java.util.Arrays.equals(maxForce, r.maxForce)
        && java.util.Arrays.equals(meanSpeed, r.meanSpeed)
        && java.util.Arrays.equals(maxSpeed, r.maxSpeed)
        && missingSignals.equals(r.missingSignals)
        && gridPoints == r.gridPoints
        && gridPointsDropped == r.gridPointsDropped
        && spikes == r.spikes
        && sourceFiles == r.sourceFiles
        && recomputedAtMicros == r.recomputedAtMicros;
  }

  @Override
  public int hashCode() {
    return runUuid.hashCode();
  }

  @Override
  public String toString() {
    return "RunStatistics{"
        + runUuid
        + ", "
        + gridPoints
        + " grid points, distance "
        + java.util.Arrays.toString(distanceMm)
        + ", missing ["
        + missingSignals
        + "]}";
  }

  static double distance(RunTable t, int robot) {
    double[] x = t.column("x_" + robot);
    double[] y = t.column("y_" + robot);
    double[] z = t.column("z_" + robot);
    if (x == null || y == null || z == null) {
      return Double.NaN;
    }
    double d = 0;
    for (int i = 1; i < t.size(); i++) {
      if (t.time(i) - t.time(i - 1) == t.stepNanos()) {
        double dx = x[i] - x[i - 1];
        double dy = y[i] - y[i - 1];
        double dz = z[i] - z[i - 1];
        d += Math.sqrt(dx * dx + dy * dy + dz * dz);
      }
    }
    return d;
  }

  private static double max(double[] c) {
    if (c == null) {
      return Double.NaN;
    }
    double m = Double.NaN;
    for (double x : c) {
      if (!Double.isNaN(x) && (Double.isNaN(m) || x > m)) {
        m = x;
      }
    }
    return m;
  }

  private static double mean(double[] c) {
    if (c == null) {
      return Double.NaN;
    }
    double s = 0;
    long n = 0;
    for (double x : c) {
      if (!Double.isNaN(x)) {
        s += x;
        n++;
      }
    }
    return n == 0 ? Double.NaN : s / n;
  }

  private static MessageType schema() {
    Types.MessageTypeBuilder b = Types.buildMessage();
    b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("run_uuid");
    for (String c : new String[] {"start_time", "stop_time"}) {
      b.required(PrimitiveTypeName.INT64)
          .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.NANOS))
          .named(c);
    }
    b.required(PrimitiveTypeName.DOUBLE).named("runtime_s");
    b.optional(PrimitiveTypeName.DOUBLE).named("distance_1_mm");
    b.optional(PrimitiveTypeName.DOUBLE).named("distance_2_mm");
    b.optional(PrimitiveTypeName.DOUBLE).named("total_distance_mm");
    for (Signal s : Signal.ALL) {
      b.required(PrimitiveTypeName.INT64).named("samples_" + s.column());
    }
    b.required(PrimitiveTypeName.BINARY)
        .as(LogicalTypeAnnotation.stringType())
        .named("missing_signals");
    for (int r = 1; r <= 2; r++) {
      b.optional(PrimitiveTypeName.DOUBLE).named("max_force_" + r + "_n");
    }
    for (int r = 1; r <= 2; r++) {
      b.optional(PrimitiveTypeName.DOUBLE).named("mean_speed_" + r + "_mm_s");
      b.optional(PrimitiveTypeName.DOUBLE).named("max_speed_" + r + "_mm_s");
    }
    b.required(PrimitiveTypeName.INT64).named("grid_points");
    b.required(PrimitiveTypeName.INT64).named("grid_points_dropped");
    b.required(PrimitiveTypeName.INT64).named("spikes_flagged");
    b.required(PrimitiveTypeName.INT64).named("source_files");
    b.required(PrimitiveTypeName.INT64)
        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
        .named("recomputed_at");
    return b.named("run_stats");
  }

  public void write(ParquetWriter<Group> w) throws IOException {
    Group g = new SimpleGroupFactory(SCHEMA).newGroup();
    g.add("run_uuid", runUuid);
    g.add("start_time", startNanos);
    g.add("stop_time", stopNanos);
    g.add("runtime_s", runtimeSeconds);
    optional(g, "distance_1_mm", distanceMm[0]);
    optional(g, "distance_2_mm", distanceMm[1]);
    optional(g, "total_distance_mm", totalDistanceMm);
    for (Signal s : Signal.ALL) {
      g.add("samples_" + s.column(), samples[s.ordinal()]);
    }
    g.add("missing_signals", missingSignals);
    for (int r = 0; r < 2; r++) {
      optional(g, "max_force_" + (r + 1) + "_n", maxForce[r]);
    }
    for (int r = 0; r < 2; r++) {
      optional(g, "mean_speed_" + (r + 1) + "_mm_s", meanSpeed[r]);
      optional(g, "max_speed_" + (r + 1) + "_mm_s", maxSpeed[r]);
    }
    g.add("grid_points", gridPoints);
    g.add("grid_points_dropped", gridPointsDropped);
    g.add("spikes_flagged", spikes);
    g.add("source_files", sourceFiles);
    g.add("recomputed_at", recomputedAtMicros);
    w.write(g);
  }

  private static void optional(Group g, String name, double v) {
    if (!Double.isNaN(v)) {
      g.add(name, v);
    }
  }
}
