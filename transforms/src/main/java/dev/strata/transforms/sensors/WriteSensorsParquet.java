package dev.strata.transforms.sensors;

import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The sensors job's Parquet outputs through {@link FileIO}: {@link #clean} writes cleaned readings,
 * {@link #runs} writes each run's table to {@code <dir>/run_uuid=<id>/part-00000-of-00001.parquet}
 * (Hive-style partitions, readable with DuckDB's {@code hive_partitioning}), {@link #runStatistics}
 * writes all runs' statistics ({@link ComputeRunStatistics}) to one file. Files appear under their
 * final names only when complete (FileIO's temp-then-rename). Bounded input.
 */
public final class WriteSensorsParquet {
  private WriteSensorsParquet() {}

  /** {@link SensorsParquet#CLEAN} rows to {@code <dir>/part-SSSSS-of-NNNNN.parquet}. */
  public static Clean clean(String dir) {
    return new Clean(dir);
  }

  /** {@link SensorsParquet#RUN} rows, one file per run under {@code <dir>/run_uuid=<id>/}. */
  public static Runs runs(String dir) {
    return new Runs(dir);
  }

  /** {@link RunStatistics#SCHEMA} rows, all runs in {@code <dir>/part-00000-of-00001.parquet}. */
  public static RunStats runStatistics(String dir) {
    return new RunStats(dir);
  }

  /** Writes cleaned readings ({@link #clean}). */
  public static final class Clean extends PTransform<PCollection<SignalSeries>, PDone> {
    private final String dir;

    private Clean(String dir) {
      this.dir = dir;
    }

    @Override
    public PDone expand(PCollection<SignalSeries> in) {
      in.apply(
          "WriteCleanParquet",
          FileIO.<SignalSeries>write()
              .via(new GroupSink<>(SensorsParquet.CLEAN, SensorsParquet::writeClean))
              .to(dir)
              .withNaming(FileIO.Write.defaultNaming("part", ".parquet")));
      return PDone.in(in.getPipeline());
    }
  }

  /** Writes each run's aligned table to a partition of its own ({@link #runs}). */
  public static final class Runs extends PTransform<PCollection<RunTable>, PDone> {
    private final String dir;

    private Runs(String dir) {
      this.dir = dir;
    }

    @Override
    public PDone expand(PCollection<RunTable> in) {
      in.apply(
          "WriteRunParquet",
          FileIO.<String, RunTable>writeDynamic()
              .by(RunTable::runUuid)
              .withDestinationCoder(StringUtf8Coder.of())
              .via(new GroupSink<>(SensorsParquet.RUN, SensorsParquet::writeRun))
              .to(dir)
              .withNaming(id -> FileIO.Write.defaultNaming("run_uuid=" + id + "/part", ".parquet"))
              .withNumShards(1));
      return PDone.in(in.getPipeline());
    }
  }

  /** {@link RunSources#SCHEMA} rows (readings per run and file), in one file in {@code dir}. */
  public static PTransform<PCollection<KV<KV<String, String>, Long>>, PDone> runSources(
      String dir) {
    return new PTransform<>() {
      @Override
      public PDone expand(PCollection<KV<KV<String, String>, Long>> in) {
        in.apply(
            "WriteRunSourcesParquet",
            FileIO.<KV<KV<String, String>, Long>>write()
                .via(new GroupSink<>(RunSources.SCHEMA, RunSources::writeRow))
                .to(dir)
                .withNaming(FileIO.Write.defaultNaming("part", ".parquet"))
                .withNumShards(1));
        return PDone.in(in.getPipeline());
      }
    };
  }

  /** Writes the run statistics to one file ({@link #runStatistics}). */
  public static final class RunStats extends PTransform<PCollection<RunStatistics>, PDone> {
    private final String dir;

    private RunStats(String dir) {
      this.dir = dir;
    }

    @Override
    public PDone expand(PCollection<RunStatistics> in) {
      in.apply(
          "WriteStatsParquet",
          FileIO.<RunStatistics>write()
              .via(new GroupSink<>(RunStatistics.SCHEMA, (w, s) -> s.write(w)))
              .to(dir)
              .withNaming(FileIO.Write.defaultNaming("part", ".parquet"))
              .withNumShards(1));
      return PDone.in(in.getPipeline());
    }
  }

  /** A FileIO sink of Groups for one schema; {@code Rows} turns an element into rows. */
  private static final class GroupSink<T> implements FileIO.Sink<T> {
    interface Rows<T> extends java.io.Serializable {
      void write(ParquetWriter<Group> w, T element) throws IOException;
    }

    private final String schema;
    private final Rows<T> rows;
    private transient ParquetWriter<Group> writer;

    GroupSink(MessageType schema, Rows<T> rows) {
      this.schema = schema.toString();
      this.rows = rows;
    }

    @Override
    public void open(WritableByteChannel channel) throws IOException {
      writer = ParquetChannels.groupWriter(channel, MessageTypeParser.parseMessageType(schema));
    }

    @Override
    public void write(T element) throws IOException {
      rows.write(writer, element);
    }

    @Override
    public void flush() throws IOException {
      writer.close();
    }
  }
}
