package dev.strata.transforms.sensors;

import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.PDone;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The sensors job's lineage dataset {@code run_sources/}: one row per (run, input file) with the
 * file's accepted readings of the run ({@code run_uuid, source_file, readings}). Written by stage
 * clean ({@link #write}) from the parsed pieces, before cleaning, so a file whose readings of a run
 * were all later rejected as conflicting still counts as a source; read back by stage runs ({@link
 * #filesPerRun}) for {@code run_stats.source_files}.
 */
public final class RunSources {
  public static final MessageType SCHEMA =
      Types.buildMessage()
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("run_uuid")
          .required(PrimitiveTypeName.BINARY)
          .as(LogicalTypeAnnotation.stringType())
          .named("source_file")
          .required(PrimitiveTypeName.INT64)
          .named("readings")
          .named("run_sources");

  private RunSources() {}

  /** Readings per input file of each run in {@code pieces}, keyed run → file, in name order. */
  public static Map<String, Map<String, Long>> of(Iterable<SignalSeries> pieces) {
    Map<String, Map<String, Long>> runs = new TreeMap<>();
    for (SignalSeries s : pieces) {
      Map<String, Long> files = runs.computeIfAbsent(s.runUuid(), k -> new TreeMap<>());
      for (int i = 0; i < s.size(); i++) {
        files.merge(s.source(i), 1L, Long::sum);
      }
    }
    return runs;
  }

  /** Writes one run's rows ({@code files}: source file → readings). */
  public static void writeRows(ParquetWriter<Group> w, String run, Map<String, Long> files)
      throws IOException {
    for (Map.Entry<String, Long> e : files.entrySet()) {
      writeRow(w, KV.of(KV.of(run, e.getKey()), e.getValue()));
    }
  }

  static void writeRow(ParquetWriter<Group> w, KV<KV<String, String>, Long> row)
      throws IOException {
    Group g = new SimpleGroupFactory(SCHEMA).newGroup();
    g.add("run_uuid", row.getKey().getKey());
    g.add("source_file", row.getKey().getValue());
    g.add("readings", row.getValue());
    w.write(g);
  }

  /** Stage clean's lineage: the parsed pieces' readings per (run, file) to {@code dir}. */
  public static PTransform<PCollection<SignalSeries>, PDone> write(String dir) {
    return new PTransform<>() {
      @Override
      public PDone expand(PCollection<SignalSeries> pieces) {
        PCollection<KV<KV<String, String>, Long>> counts =
            pieces
                .apply("ReadingsPerRunAndFile", ParDo.of(new PerFileFn()))
                .setCoder(
                    KvCoder.of(
                        KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()), VarLongCoder.of()))
                .apply("SumReadings", Sum.longsPerKey());
        counts.apply("WriteRunSources", WriteSensorsParquet.runSources(dir));
        return PDone.in(pieces.getPipeline());
      }
    };
  }

  /** The number of source files of each run in {@code glob}'s run_sources files, as a view. */
  public static PTransform<PBegin, PCollectionView<Map<String, Long>>> filesPerRun(String glob) {
    return new PTransform<>() {
      @Override
      public PCollectionView<Map<String, Long>> expand(PBegin begin) {
        return begin
            .apply(
                "MatchRunSources",
                FileIO.match().filepattern(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenRunSources", FileIO.readMatches())
            .apply("ReadRunSources", ParDo.of(new ReadFn()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
            .apply("FilesPerRun", Count.perKey())
            .apply("AsMap", View.asMap());
      }
    };
  }

  private static final class PerFileFn extends DoFn<SignalSeries, KV<KV<String, String>, Long>> {
    @ProcessElement
    public void process(@Element SignalSeries s, OutputReceiver<KV<KV<String, String>, Long>> out) {
      for (Map.Entry<String, Map<String, Long>> run : of(java.util.List.of(s)).entrySet()) {
        for (Map.Entry<String, Long> f : run.getValue().entrySet()) {
          out.output(KV.of(KV.of(run.getKey(), f.getKey()), f.getValue()));
        }
      }
    }
  }

  private static final class ReadFn extends DoFn<FileIO.ReadableFile, KV<String, String>> {
    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<KV<String, String>> out)
        throws IOException {
      try (SeekableByteChannel ch = file.openSeekable();
          ParquetReader<Group> r =
              ParquetChannels.groups(
                  ParquetChannels.input(ch, file.getMetadata().resourceId().toString()))) {
        for (Group g = r.read(); g != null; g = r.read()) {
          out.output(KV.of(g.getString("run_uuid", 0), g.getString("source_file", 0)));
        }
      }
    }
  }
}
