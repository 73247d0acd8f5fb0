package dev.strata.transforms.warehouse;

import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Data Wow files for the loader tests, in the layout of the pipelines' {@code WarehouseGenerator}
 * (which transforms cannot depend on): file {@code k} is {@code 2023-01-01 00:00:00.parquet} plus
 * {@code k} minutes, columns {@code department_name}, {@code sensor_serial}, {@code create_at} (the
 * file's minute), {@code product_name}, {@code product_expire} (+87..89 days), timestamps in
 * nanoseconds without zone. Deterministic for a seed and {@code k}; another seed gives other
 * content under the same name (a changed file).
 */
final class DataWowFiles {
  static final MessageType SCHEMA =
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

  static final LocalDateTime FIRST = LocalDateTime.of(2023, 1, 1, 0, 0);
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final String[] departments = new String[100];
  private final String[][] serials = new String[100][];
  private final String[] products = new String[1000];
  private final long seed;

  DataWowFiles(long seed) {
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

  /** A test resource as a file. */
  static Path resource(String name) {
    try {
      return Path.of(DataWowFiles.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String letters(SplittableRandom r, int n) {
    char[] c = new char[n];
    for (int i = 0; i < n; i++) {
      c[i] = (char) ('a' + r.nextInt(26));
    }
    return new String(c);
  }

  static String fileName(int k) {
    return FIRST.plusMinutes(k).format(NAME) + ".parquet";
  }

  /** Writes file {@code k} with {@code rows} rows into {@code dir} (replacing one there). */
  void write(Path dir, int k, int rows) throws IOException {
    long createNs = FIRST.plusMinutes(k).toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L;
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + k);
    Path tmp = dir.resolve("." + fileName(k) + ".tmp");
    try (FileChannel ch =
            FileChannel.open(
                tmp,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        ParquetWriter<Group> w =
            ExampleParquetWriter.builder(ParquetChannels.output(ch))
                .withType(SCHEMA)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                .build()) {
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
        dir.resolve(fileName(k)),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}
