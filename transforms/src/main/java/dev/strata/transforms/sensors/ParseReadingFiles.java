package dev.strata.transforms.sensors;

import dev.strata.transforms.common.Failure;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads long-format robot readings from CSV or Parquet files (Parquet if the file starts with
 * {@code PAR1}) and validates every row with {@link ReadingParser}.
 *
 * <p>Consumes bounded {@link FileIO.ReadableFile}s. Produces on {@link #SERIES} one {@link
 * SignalSeries} per (file, run, signal) in file order, and on {@link #FAILURES} every rejected row
 * with file, line (CSV line, or Parquet row number) and reason. Every row goes to exactly one.
 * Counters (namespace: this class): {@link #FILES}, {@link #ROWS_READ}, {@link #ROWS_ACCEPTED},
 * {@link #ROWS_REJECTED}. A file that cannot be read fails the bundle.
 */
public final class ParseReadingFiles
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollectionTuple> {
  public static final TupleTag<SignalSeries> SERIES = new TupleTag<SignalSeries>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};

  /** Counter: files read. */
  public static final String FILES = "files";

  /** Counter: data rows read (accepted + rejected). */
  public static final String ROWS_READ = "rowsRead";

  /** Counter: rows accepted as readings. */
  public static final String ROWS_ACCEPTED = "rowsAccepted";

  /** Counter: rows rejected, on {@link #FAILURES}. */
  public static final String ROWS_REJECTED = "rowsRejected";

  private final ReadingRules rules;

  private ParseReadingFiles(ReadingRules rules) {
    this.rules = rules;
  }

  public static ParseReadingFiles with(ReadingRules rules) {
    return new ParseReadingFiles(rules);
  }

  @Override
  public PCollectionTuple expand(PCollection<FileIO.ReadableFile> files) {
    PCollectionTuple out =
        files.apply(
            "ParseFiles",
            ParDo.of(new ParseFn(rules)).withOutputTags(SERIES, TupleTagList.of(FAILURES)));
    out.get(SERIES).setCoder(SignalSeriesCoder.of());
    return out;
  }

  /** Grows columns of one (run, signal) of one file. */
  private static final class Builder {
    long[] t = new long[1024];
    double[] v = new double[1024];
    long[] line = new long[1024];
    boolean[] spike = new boolean[1024];
    boolean anySpike;
    int n;

    void add(long time, double value, long l, boolean isSpike) {
      if (n == t.length) {
        t = java.util.Arrays.copyOf(t, 2 * n);
        v = java.util.Arrays.copyOf(v, 2 * n);
        line = java.util.Arrays.copyOf(line, 2 * n);
        spike = java.util.Arrays.copyOf(spike, 2 * n);
      }
      t[n] = time;
      v[n] = value;
      line[n] = l;
      spike[n] = isSpike;
      anySpike |= isSpike;
      n++;
    }
  }

  /**
   * Readings held in memory per file before they are handed on: a file of any size is emitted in
   * pieces of at most this many readings in all (about 60 MB), each piece one series per (run,
   * signal); {@link CleanReadings} and {@link AlignRuns} merge the pieces.
   */
  static final int MAX_BUFFERED = 2_000_000;

  static final class ParseFn extends DoFn<FileIO.ReadableFile, SignalSeries> {
    private final ReadingRules rules;
    private final Counter files = Metrics.counter(ParseReadingFiles.class, FILES);
    private final Counter rowsRead = Metrics.counter(ParseReadingFiles.class, ROWS_READ);
    private final Counter accepted = Metrics.counter(ParseReadingFiles.class, ROWS_ACCEPTED);
    private final Counter rejected = Metrics.counter(ParseReadingFiles.class, ROWS_REJECTED);

    ParseFn(ReadingRules rules) {
      this.rules = rules;
    }

    /** Hands on everything buffered, one series per (run, signal), and empties the buffers. */
    private static void emit(
        Map<String, Builder> builders,
        Map<String, String[]> keys,
        String source,
        MultiOutputReceiver out) {
      for (Map.Entry<String, Builder> e : builders.entrySet()) {
        Builder b = e.getValue();
        String[] k = keys.get(e.getKey());
        out.get(SERIES)
            .output(
                new SignalSeries(
                    k[0],
                    Signal.valueOf(k[1]),
                    java.util.Arrays.copyOf(b.t, b.n),
                    java.util.Arrays.copyOf(b.v, b.n),
                    new String[] {source},
                    new int[b.n],
                    java.util.Arrays.copyOf(b.line, b.n),
                    b.anySpike ? java.util.Arrays.copyOf(b.spike, b.n) : null));
      }
      builders.clear();
      keys.clear();
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws IOException {
      String source = file.getMetadata().resourceId().toString();
      Map<String, Builder> builders = new java.util.LinkedHashMap<>();
      Map<String, String[]> keys = new HashMap<>();
      long[] counts = new long[3];
      ReadingParser parser =
          new ReadingParser(
              rules,
              source,
              new ReadingParser.Sink() {
                @Override
                public void reading(
                    String run, Signal s, long time, double value, long line, boolean spike) {
                  String key = run + '\u0000' + s.ordinal();
                  Builder b = builders.get(key);
                  if (b == null) {
                    b = new Builder();
                    builders.put(key, b);
                    keys.put(key, new String[] {run, s.name()});
                  }
                  b.add(time, value, line, spike);
                  counts[0]++;
                  if (++counts[2] >= MAX_BUFFERED) {
                    emit(builders, keys, source, out);
                    counts[2] = 0;
                  }
                }

                @Override
                public void failure(Failure f) {
                  counts[1]++;
                  out.get(FAILURES).output(f);
                }
              });
      long rows;
      try (SeekableByteChannel ch = file.openSeekable()) {
        byte[] magic = new byte[4];
        java.nio.ByteBuffer m = java.nio.ByteBuffer.wrap(magic);
        while (m.hasRemaining() && ch.read(m) > 0) {
          // read the first four bytes
        }
        ch.position(0);
        if (m.position() == 4
            && new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("PAR1")) {
          rows = SensorsParquet.readReadings(ch, parser);
        } else {
          rows = parser.parseCsv(file.readFullyAsBytes());
        }
      }
      emit(builders, keys, source, out);
      files.inc();
      rowsRead.inc(rows);
      accepted.inc(counts[0]);
      rejected.inc(counts[1]);
      if (counts[0] + counts[1] != rows) {
        throw new IllegalStateException(
            source
                + ": "
                + rows
                + " rows but "
                + counts[0]
                + " accepted + "
                + counts[1]
                + " rejected");
      }
    }
  }
}
