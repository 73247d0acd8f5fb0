package dev.strata.transforms.sensors;

import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Parquet layouts of the sensors job and their readers and writers (parquet-hadoop's own API: the
 * input's {@code run_uuid} may be a string, an int64 or a float64, which no fixed Avro schema
 * describes).
 *
 * <ul>
 *   <li>{@link #CLEAN}: the cleaned long format, {@code time} (timestamp, ns, UTC), {@code value},
 *       {@code field}, {@code robot_id}, {@code run_uuid} (string), {@code sensor_type}, {@code
 *       quality} ({@code ok} or {@code spike}).
 *   <li>{@link #RUN}: one run's aligned table: {@code time} (timestamp, µs, UTC), the twelve
 *       signals {@code fx_1 … z_2}, velocities {@code vx_1 … vz_2} (mm/s), accelerations {@code
 *       ax_1 … az_2} (mm/s²), {@code v1, v2, a1, a2} magnitudes, {@code f1, f2} force magnitudes
 *       (N); null where a run has no such signal.
 *   <li>{@link #STATS}: one row per run ({@link RunStatistics}).
 * </ul>
 */
public final class SensorsParquet {
  private SensorsParquet() {}

  public static final MessageType CLEAN =
      Types.buildMessage()
          .required(PrimitiveTypeName.INT64)
          .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.NANOS))
          .named("time")
          .required(PrimitiveTypeName.DOUBLE)
          .named("value")
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("field")
          .required(PrimitiveTypeName.INT64)
          .named("robot_id")
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("run_uuid")
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("sensor_type")
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("quality")
          .named("robot_clean");

  /** Columns of the run table after {@code time}, in order. */
  public static final List<String> RUN_COLUMNS = runColumns();

  public static final MessageType RUN = runSchema();

  private static List<String> runColumns() {
    List<String> c = new ArrayList<>();
    for (Signal s : Signal.ALL) {
      c.add(s.column());
    }
    for (String kind : new String[] {"v", "a"}) {
      for (Signal s : Signal.ALL.subList(6, 12)) {
        c.add(kind + s.column());
      }
    }
    c.addAll(List.of("v1", "v2", "a1", "a2", "f1", "f2"));
    return List.copyOf(c);
  }

  private static MessageType runSchema() {
    Types.MessageTypeBuilder b = Types.buildMessage();
    b.required(PrimitiveTypeName.INT64)
        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
        .named("time");
    for (String c : RUN_COLUMNS) {
      b.optional(PrimitiveTypeName.DOUBLE).named(c);
    }
    return b.named("robot_run");
  }

  // ------------------------------------------------------------------ reading

  /**
   * Reads a long-format readings file (the input, or our {@link #CLEAN} output) into {@code
   * parser}; returns the number of rows. The row number (1-based) is the failure's line.
   */
  public static long readReadings(SeekableByteChannel channel, ReadingParser parser)
      throws IOException {
    return readReadings(ParquetChannels.input(channel, parser.source()), parser);
  }

  /** {@link #readReadings(SeekableByteChannel, ReadingParser)} from a Parquet input file. */
  public static long readReadings(InputFile in, ReadingParser parser) throws IOException {
    MessageType schema;
    long rowCount;
    try (ParquetFileReader f = ParquetFileReader.open(in, ParquetChannels.verifiedReadOptions())) {
      schema = f.getFooter().getFileMetaData().getSchema();
      rowCount = f.getRecordCount();
    }
    List<String> missing = new ArrayList<>();
    for (String c : ReadingParser.COLUMNS) {
      if (!schema.containsField(c)) {
        missing.add(c);
      }
    }
    if (!missing.isEmpty()) {
      for (long row = 1; row <= rowCount; row++) {
        parser.reject(
            row,
            new ReadingParser.Rejected(
                "missing_column", "the file has no column " + missing + ": " + schema),
            "row " + row);
      }
      return rowCount;
    }
    Type[] types = new Type[ReadingParser.COLUMNS.size()];
    int[] index = new int[types.length];
    for (int c = 0; c < types.length; c++) {
      index[c] = schema.getFieldIndex(ReadingParser.COLUMNS.get(c));
      types[c] = schema.getType(index[c]);
    }
    // Our own clean output carries the spike flags in "quality"; other files have none.
    int quality = schema.containsField("quality") ? schema.getFieldIndex("quality") : -1;
    long rows = 0;
    try (ParquetReader<Group> reader = ParquetChannels.groups(in)) {
      Group g;
      while ((g = reader.read()) != null) {
        rows++;
        try {
          for (int c = 0; c < types.length; c++) {
            if (g.getFieldRepetitionCount(index[c]) == 0) {
              throw new ReadingParser.Rejected(
                  "missing_value", ReadingParser.COLUMNS.get(c) + " is null");
            }
          }
          parser.accept(
              timeOf(g, index[0], types[0]),
              doubleOf(g, index[1], types[1], "value"),
              g.getString(index[2], 0),
              robotOf(g, index[3], types[3]),
              runIdOf(g, index[4], types[4], parser),
              g.getString(index[5], 0),
              rows,
              quality >= 0
                  && g.getFieldRepetitionCount(quality) > 0
                  && "spike".equals(g.getString(quality, 0)));
        } catch (ReadingParser.Rejected r) {
          parser.reject(rows, r, render(g));
        } catch (RuntimeException e) {
          parser.reject(
              rows,
              new ReadingParser.Rejected(
                  "unparseable_value", "a column has an unexpected type: " + e),
              render(g));
        }
      }
    }
    return rows;
  }

  private static String render(Group g) {
    return g.toString().replace('\n', ' ').trim();
  }

  private static long timeOf(Group g, int i, Type t) throws ReadingParser.Rejected {
    PrimitiveType p = t.asPrimitiveType();
    if (p.getPrimitiveTypeName() == PrimitiveTypeName.BINARY) {
      return ReadingParser.parseTime(g.getString(i, 0));
    }
    if (p.getPrimitiveTypeName() == PrimitiveTypeName.INT64
        && p.getLogicalTypeAnnotation()
            instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts) {
      return ParquetChannels.epochNanos(g.getLong(i, 0), ts);
    }
    throw new ReadingParser.Rejected("unparseable_time", "time column has type " + p);
  }

  private static double doubleOf(Group g, int i, Type t, String name)
      throws ReadingParser.Rejected {
    return switch (t.asPrimitiveType().getPrimitiveTypeName()) {
      case DOUBLE -> g.getDouble(i, 0);
      case FLOAT -> g.getFloat(i, 0);
      case INT32 -> g.getInteger(i, 0);
      case INT64 -> g.getLong(i, 0);
      case BINARY -> {
        try {
          yield ReadingParser.parseDecimal(g.getString(i, 0));
        } catch (NumberFormatException e) {
          throw new ReadingParser.Rejected(
              "unparseable_value", name + " '" + g.getString(i, 0) + "' is not a number");
        }
      }
      default -> throw new ReadingParser.Rejected("unparseable_value", name + " has type " + t);
    };
  }

  private static int robotOf(Group g, int i, Type t) throws ReadingParser.Rejected {
    return switch (t.asPrimitiveType().getPrimitiveTypeName()) {
      case INT32 -> g.getInteger(i, 0);
      case INT64 -> {
        long v = g.getLong(i, 0);
        yield v == (int) v ? (int) v : -1;
      }
      default -> ReadingParser.robotOf(Double.toString(doubleOf(g, i, t, "robot_id")));
    };
  }

  private static String runIdOf(Group g, int i, Type t, ReadingParser parser)
      throws ReadingParser.Rejected {
    PrimitiveType p = t.asPrimitiveType();
    return switch (p.getPrimitiveTypeName()) {
      case BINARY -> parser.runId(g.getString(i, 0));
      case INT64 -> {
        long v = g.getLong(i, 0);
        boolean unsigned =
            p.getLogicalTypeAnnotation()
                    instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation it
                && !it.isSigned();
        yield unsigned ? Long.toUnsignedString(v) : Long.toString(v);
      }
      case INT32 -> Integer.toString(g.getInteger(i, 0));
      case DOUBLE -> parser.runId(g.getDouble(i, 0));
      default -> throw new ReadingParser.Rejected("unparseable_value", "run_uuid has type " + t);
    };
  }

  // ------------------------------------------------------------------ writing

  /** Writes a cleaned series as {@link #CLEAN} rows. */
  public static void writeClean(ParquetWriter<Group> w, SignalSeries s) throws IOException {
    SimpleGroupFactory f = new SimpleGroupFactory(CLEAN);
    Signal sig = s.signal();
    for (int i = 0; i < s.size(); i++) {
      Group g = f.newGroup();
      g.add("time", s.time(i));
      g.add("value", s.value(i));
      g.add("field", sig.field());
      g.add("robot_id", (long) sig.robot());
      g.add("run_uuid", s.runUuid());
      g.add("sensor_type", sig.sensorType());
      g.add("quality", s.spike(i) ? "spike" : "ok");
      w.write(g);
    }
  }

  /** Writes a run's aligned table as {@link #RUN} rows. */
  public static void writeRun(ParquetWriter<Group> w, RunTable t) throws IOException {
    SimpleGroupFactory f = new SimpleGroupFactory(RUN);
    double[][] cols = t.columns();
    for (int r = 0; r < t.size(); r++) {
      Group g = f.newGroup();
      g.add("time", Math.floorDiv(t.time(r), 1_000L));
      for (int c = 0; c < cols.length; c++) {
        double[] col = cols[c];
        if (col != null && !Double.isNaN(col[r])) {
          g.add(c + 1, col[r]);
        }
      }
      w.write(g);
    }
  }
}
