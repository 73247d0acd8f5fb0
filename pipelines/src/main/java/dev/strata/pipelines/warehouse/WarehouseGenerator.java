package dev.strata.pipelines.warehouse;

import dev.strata.pipelines.launcher.Job;
import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes the Data Wow sample-data generator's files (docs/architecture.md, warehouse job): one file
 * per minute from 2023-01-01 00:00, named {@code 2023-01-01 00:00:00.parquet} (space and colons),
 * 1,914 rows each, columns {@code department_name} (one of 100 random 32-letter names), {@code
 * sensor_serial} (64 random letters, 5–29 per department), {@code create_at} (the file's minute),
 * {@code product_name} (one of 1,000 random 16-letter names), {@code product_expire} ({@code
 * create_at} + 87..89 days); no nulls; timestamps without zone in nanoseconds, as the real file has
 * them. Deterministic for a seed: file k's rows depend only on the seed and k, so files are written
 * in parallel and any subset can be regenerated identically.
 */
public final class WarehouseGenerator {
  /** The generator's entry on the command line. */
  public static final Job JOB =
      new Job(
          "generate-warehouse",
          List.of(
              "write the Data Wow generator's per-minute Parquet files",
              "--output=DIR [--files=43201] [--rows=1914] [--seed=N]"),
          GenerateWarehouseOptions.class,
          false,
          (args, out) -> {
            run(Job.parse("generate-warehouse", args, GenerateWarehouseOptions.class), out);
            return 0;
          });

  public static final MessageType SCHEMA =
      Types.buildMessage()
          .optional(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("department_name")
          .optional(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("sensor_serial")
          .optional(PrimitiveTypeName.INT64)
          .as(LogicalTypeAnnotation.timestampType(false, LogicalTypeAnnotation.TimeUnit.NANOS))
          .named("create_at")
          .optional(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("product_name")
          .optional(PrimitiveTypeName.INT64)
          .as(LogicalTypeAnnotation.timestampType(false, LogicalTypeAnnotation.TimeUnit.NANOS))
          .named("product_expire")
          .named("schema");

  public static final LocalDateTime FIRST = LocalDateTime.of(2023, 1, 1, 0, 0);
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final String[] departments = new String[100];
  private final String[][] serials = new String[100][];
  private final String[] products = new String[1000];
  private final long seed;

  public WarehouseGenerator(long seed) {
    this.seed = seed;
    SplittableRandom r = new SplittableRandom(seed);
    for (int d = 0; d < departments.length; d++) {
      departments[d] = letters(r, 32);
      serials[d] = new String[5 + r.nextInt(25)];
      for (int s = 0; s < serials[d].length; s++) {
        serials[d][s] = letters(r, 64);
      }
    }
    for (int p = 0; p < products.length; p++) {
      products[p] = letters(r, 16);
    }
  }

  private static String letters(SplittableRandom r, int n) {
    char[] c = new char[n];
    for (int i = 0; i < n; i++) {
      c[i] = (char) ('a' + r.nextInt(26));
    }
    return new String(c);
  }

  /** The file name of minute {@code k}: {@code 2023-01-01 00:00:00.parquet} for k = 0. */
  public static String fileName(int k) {
    return FIRST.plusMinutes(k).format(NAME) + ".parquet";
  }

  /** Writes file {@code k} with {@code rows} rows into {@code dir}. */
  public void write(Path dir, int k, int rows) throws IOException {
    LocalDateTime minute = FIRST.plusMinutes(k);
    long createNs = minute.toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L;
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + k);
    Path file = dir.resolve(fileName(k));
    Path tmp = dir.resolve("." + fileName(k) + ".tmp");
    try (FileChannel ch =
            FileChannel.open(
                tmp,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        ParquetWriter<Group> w = ParquetChannels.groupWriter(ch, SCHEMA)) {
      SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
      for (int i = 0; i < rows; i++) {
        int d = r.nextInt(departments.length);
        Group g = f.newGroup();
        g.add("department_name", departments[d]);
        g.add("sensor_serial", serials[d][r.nextInt(serials[d].length)]);
        g.add("create_at", createNs);
        g.add("product_name", products[r.nextInt(products.length)]);
        g.add("product_expire", createNs + (87 + r.nextInt(3)) * 86_400_000_000_000L);
        w.write(g);
      }
    }
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  public static void run(GenerateWarehouseOptions o, PrintStream log) throws Exception {
    if (o.getFiles() < 1 || o.getRows() < 0) {
      throw new IllegalArgumentException("--files must be >= 1 and --rows >= 0");
    }
    Path out = Path.of(o.getOutput());
    Files.createDirectories(out);
    WarehouseGenerator g = new WarehouseGenerator(o.getSeed());
    long t0 = System.nanoTime();
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        parts.add(
            pool.submit(
                () -> {
                  for (int k = first; k < o.getFiles(); k += threads) {
                    g.write(out, k, o.getRows());
                  }
                  return null;
                }));
      }
      for (Future<?> p : parts) {
        p.get();
      }
    } finally {
      pool.shutdownNow();
    }
    log.printf(
        "[generate-warehouse] %,d files x %,d rows = %,d rows in %.1f s -> %s%n",
        o.getFiles(),
        o.getRows(),
        (long) o.getFiles() * o.getRows(),
        (System.nanoTime() - t0) / 1e9,
        out);
  }
}
