package dev.strata.transforms.sensors;

import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.StringJoiner;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.MessageType;

/** Helpers of the sensors transform tests. */
final class SensorsTesting {
  private SensorsTesting() {}

  /**
   * Every field of a series, one reading after another: {@code run signal <source> time=value@line}
   * with a {@code *} after a spike. {@link SignalSeries#equals} compares only times and values.
   */
  static String render(SignalSeries s) {
    StringJoiner j = new StringJoiner(" ");
    j.add(s.runUuid()).add(s.signal().column());
    for (int i = 0; i < s.size(); i++) {
      j.add(
          "<"
              + s.source(i)
              + ">"
              + s.time(i)
              + "="
              + s.value(i)
              + "@"
              + s.line(i)
              + (s.spike(i) ? "*" : ""));
    }
    return j.toString();
  }

  /** A test resource as a file. */
  static Path resource(String name) {
    try {
      return Path.of(SensorsTesting.class.getResource(name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(name, e);
    }
  }

  /** The committed value of a counter, summed over steps. */
  static long counter(PipelineResult r, Class<?> namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        r.metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(namespace, name))
                    .build())
            .getCounters()) {
      sum += c.getCommitted();
    }
    return sum;
  }

  /** Writes the series as {@link SensorsParquet#CLEAN} rows, in order, to {@code file}. */
  static void writeClean(Path file, SignalSeries... series) throws IOException {
    try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ParquetWriter<Group> w = ParquetChannels.groupWriter(ch, SensorsParquet.CLEAN)) {
      for (SignalSeries s : series) {
        SensorsParquet.writeClean(w, s);
      }
    }
  }

  /** Writes groups of {@code schema} to {@code file}. */
  static void writeGroups(Path file, MessageType schema, Group... rows) throws IOException {
    try (FileChannel ch =
            FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ParquetWriter<Group> w = ParquetChannels.groupWriter(ch, schema)) {
      for (Group g : rows) {
        w.write(g);
      }
    }
  }
}
