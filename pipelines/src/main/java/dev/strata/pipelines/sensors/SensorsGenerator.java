package dev.strata.pipelines.sensors;

import dev.strata.pipelines.launcher.Job;
import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes synthetic robot readings with the real Machina file's shape (docs/architecture.md, sensors
 * job): columns {@code time} (ISO-8601 string, trailing zeros trimmed, {@code Z}), {@code value}
 * float64, {@code field}, {@code robot_id} int64, {@code run_uuid} float64 (ids above {@code
 * Long.MAX_VALUE}), {@code sensor_type}. At scale 1.0: four runs, 1,546,591 rows: two runs with
 * encoders and load cells (659,827 and 579,000 rows), one encoder-only (300,000), one load-cell
 * {@code fx} of robot 1 only (7,764 rows over 77.6 s). Load cells report about every 10 ms,
 * encoders about every 12 ms, each robot and sensor on its own clock with ±1 ms jitter; encoder
 * axes miss 0.5 %, 1 % and 1.5 % of their readings, so their counts differ. Positions stay within x
 * 693..3298, y 316..1233, z −772..−2 mm, forces within −1848..875 N, with a rare isolated spike.
 * Scale k ≥ 1 writes ⌊k⌋ such sets of runs (new ids) plus a fraction of one; each run is one file,
 * {@code readings-NNNNN.parquet}. Deterministic for a seed.
 */
public final class SensorsGenerator {
  /** The generator's entry on the command line. */
  public static final Job JOB =
      new Job(
          "generate-sensors",
          List.of(
              "write synthetic robot readings shaped like the real file",
              "--output=DIR [--scale=1.0] [--seed=N]"),
          GenerateSensorsOptions.class,
          false,
          (args, out) -> {
            run(Job.parse("generate-sensors", args, GenerateSensorsOptions.class), out);
            return 0;
          });

  static final MessageType SCHEMA =
      Types.buildMessage()
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("time")
          .required(PrimitiveTypeName.DOUBLE)
          .named("value")
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("field")
          .required(PrimitiveTypeName.INT64)
          .named("robot_id")
          .required(PrimitiveTypeName.DOUBLE)
          .named("run_uuid")
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("sensor_type")
          .named("schema");

  /** Rows of the four real runs. */
  static final long[] ROWS = {659_827, 579_000, 300_000, 7_764};

  static final long START_MS = Instant.parse("2022-11-23T20:40:00Z").toEpochMilli();

  private SensorsGenerator() {}

  public static void run(GenerateSensorsOptions o, PrintStream log) throws IOException {
    if (!(o.getScale() > 0)) {
      throw new IllegalArgumentException("--scale must be positive, but was " + o.getScale());
    }
    Path out = Path.of(o.getOutput());
    Files.createDirectories(out);
    long t0 = System.nanoTime();
    int sets = (int) Math.floor(o.getScale());
    double fraction = o.getScale() - sets;
    long rows = 0;
    int file = 0;
    SplittableRandom ids = new SplittableRandom(o.getSeed());
    for (int set = 0; set <= sets; set++) {
      double f = set < sets ? 1.0 : fraction;
      if (f <= 0) {
        continue;
      }
      for (int kind = 0; kind < 4; kind++) {
        long target = Math.max(1, Math.round(ROWS[kind] * f));
        // ids spread over 10^18 .. 1.8·10^19, most above Long.MAX_VALUE as in the real file
        double runId =
            new BigInteger(64, new java.util.Random(ids.nextLong()))
                .mod(BigInteger.valueOf(17).multiply(BigInteger.TEN.pow(18)))
                .add(BigInteger.TEN.pow(18))
                .doubleValue();
        long startMs = START_MS + set * 3_600_000L;
        rows +=
            writeRun(
                out.resolve(String.format("readings-%05d.parquet", file++)),
                kind,
                target,
                runId,
                startMs,
                new SplittableRandom(o.getSeed() * 1_000_003L + file));
      }
    }
    log.printf(
        "[generate-sensors] %d runs, %,d rows in %.1f s -> %s%n",
        file, rows, (System.nanoTime() - t0) / 1e9, out);
  }

  /** One reading before sorting. */
  private record Reading(long ms, double value, String field, int robot, String sensor) {}

  static long writeRun(
      Path file, int kind, long target, double runId, long startMs, SplittableRandom r)
      throws IOException {
    boolean encoders = kind != 3;
    boolean loadCells = kind != 2;
    // readings per second: 6 load cells at 100/s, 6 encoders at ~83/s less their misses
    double perSecond =
        (loadCells ? (kind == 3 ? 100 : 600) : 0) + (encoders ? 6 * 83.33 * 0.99 : 0);
    double seconds = target / perSecond * 1.02 + 1;
    List<Reading> all = new ArrayList<>((int) (target * 1.05));
    double[] phase = new double[12];
    for (int i = 0; i < phase.length; i++) {
      phase[i] = r.nextDouble() * 2 * Math.PI;
    }
    for (int robot = 1; robot <= 2; robot++) {
      if (loadCells) {
        for (int axis = 0; axis < 3; axis++) {
          if (kind == 3 && (robot != 1 || axis != 0)) {
            continue;
          }
          emit(
              all,
              r,
              "f" + "xyz".charAt(axis),
              robot,
              "load_cell",
              10,
              0,
              seconds,
              startMs,
              force(axis, phase[axis * 2 + robot - 1]));
        }
      }
      if (encoders) {
        double[] miss = {0.005, 0.01, 0.015};
        for (int axis = 0; axis < 3; axis++) {
          emit(
              all,
              r,
              String.valueOf("xyz".charAt(axis)),
              robot,
              "encoder",
              12,
              miss[axis],
              seconds,
              startMs,
              position(axis, phase[6 + axis * 2 + robot - 1]));
        }
      }
    }
    all.sort((a, b) -> Long.compare(a.ms, b.ms));
    int n = (int) Math.min(target, all.size());
    try (FileChannel ch =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        ParquetWriter<Group> w = ParquetChannels.groupWriter(ch, SCHEMA)) {
      SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
      for (int i = 0; i < n; i++) {
        Reading x = all.get(i);
        Group g = f.newGroup();
        g.add("time", iso(x.ms));
        g.add("value", x.value);
        g.add("field", x.field);
        g.add("robot_id", (long) x.robot);
        g.add("run_uuid", runId);
        g.add("sensor_type", x.sensor);
        w.write(g);
      }
    }
    return n;
  }

  private interface Wave {
    double at(double seconds, SplittableRandom r);
  }

  private static Wave position(int axis, double phase) {
    double[] center = {1995, 775, -387};
    double[] amp = {1200, 420, 360};
    double[] period = {37, 23, 29};
    return (t, r) ->
        center[axis]
            + amp[axis] * Math.sin(2 * Math.PI * t / period[axis] + phase)
            + r.nextGaussian() * 0.05;
  }

  private static Wave force(int axis, double phase) {
    double[] center = {-480, -300, -200};
    double[] amp = {500, 350, 300};
    return (t, r) -> {
      double v =
          center[axis] + amp[axis] * Math.sin(2 * Math.PI * t / 11 + phase) + r.nextGaussian() * 2;
      return r.nextDouble() < 2e-5 ? v + 400 : v; // a rare isolated spike
    };
  }

  private static void emit(
      List<Reading> out,
      SplittableRandom r,
      String field,
      int robot,
      String sensor,
      int periodMs,
      double miss,
      double seconds,
      long startMs,
      Wave wave) {
    long offset = r.nextInt(periodMs);
    long last = Long.MIN_VALUE;
    for (long k = 0; k * periodMs < seconds * 1000; k++) {
      long ms = startMs + offset + k * periodMs + (k == 0 ? 0 : r.nextInt(3) - 1);
      if (ms <= last || (k > 0 && r.nextDouble() < miss)) {
        continue;
      }
      last = ms;
      out.add(new Reading(ms, wave.at((ms - startMs) / 1000.0, r), field, robot, sensor));
    }
  }

  /**
   * {@code 2022-11-23T20:40:00.44Z}: milliseconds with trailing zeros trimmed, as the real file.
   */
  static String iso(long ms) {
    String s = Instant.ofEpochMilli(ms).toString(); // ...:00Z or ...:00.010Z
    if (s.length() == 25) {
      String frac = s.substring(20, 23).replaceAll("0+$", "");
      return s.substring(0, 19) + (frac.isEmpty() ? "" : "." + frac) + "Z";
    }
    return s;
  }
}
