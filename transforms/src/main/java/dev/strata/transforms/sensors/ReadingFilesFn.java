package dev.strata.transforms.sensors;

import dev.strata.transforms.common.Failure;
import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads long-format readings files (Parquet if the file starts with {@code PAR1}, else CSV) with
 * {@link ReadingParser} into {@link SignalSeries} pieces, one per (file, run, signal) in file
 * order, and rejected rows. The one reading path of {@link ParseReadingFiles} (raw input, validated
 * with its rules) and {@link ReadCleanReadings} (the clean output, unbounded rules), which
 * therefore give the same elements for the same file; each passes its own output tags and counters.
 */
public final class ReadingFilesFn extends DoFn<FileIO.ReadableFile, SignalSeries> {
  /**
   * Readings held in memory per file before they are handed on: a file of any size is emitted in
   * pieces of at most this many readings in all (about 60 MB), each piece one series per (run,
   * signal); {@link CleanReadings} and {@link AlignRuns} merge the pieces.
   */
  static final int MAX_BUFFERED = 2_000_000;

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

  /** Reject reason of a file (or its rest) that cannot be read. */
  static final String UNREADABLE_FILE = "unreadable_file";

  /**
   * What went wrong, one line: the first line of each message down the cause chain (Parquet wraps
   * the reason, e.g. a CRC mismatch, in "Can not read value at 0 ...").
   */
  public static String firstLine(Throwable e) {
    java.util.List<String> parts = new java.util.ArrayList<>();
    for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null || m.isBlank()) {
        m = t.getClass().getSimpleName();
      }
      int nl = m.indexOf('\n');
      m = (nl < 0 ? m : m.substring(0, nl)).strip();
      if (parts.isEmpty() || !parts.get(parts.size() - 1).contains(m)) {
        parts.add(m);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return String.join(": ", parts);
  }

  private final ReadingRules rules;
  private final TupleTag<SignalSeries> readings;
  private final TupleTag<Failure> failures;
  private final Counter files;
  private final @Nullable Counter rowsRead;
  private final Counter accepted;
  private final Counter rejected;

  /**
   * Reads files into {@code readings} and {@code failures}; counts files, every row ({@code
   * rowsRead}, unless null), rows accepted and rows rejected in the caller's counters.
   */
  ReadingFilesFn(
      ReadingRules rules,
      TupleTag<SignalSeries> readings,
      TupleTag<Failure> failures,
      Counter files,
      @Nullable Counter rowsRead,
      Counter accepted,
      Counter rejected) {
    this.rules = rules;
    this.readings = readings;
    this.failures = failures;
    this.files = files;
    this.rowsRead = rowsRead;
    this.accepted = accepted;
    this.rejected = rejected;
  }

  /** Hands on everything buffered, one series per (run, signal), and empties the buffers. */
  private static void emit(
      Map<String, Builder> builders,
      Map<String, String[]> keys,
      String source,
      java.util.function.Consumer<SignalSeries> out) {
    for (Map.Entry<String, Builder> e : builders.entrySet()) {
      Builder b = e.getValue();
      String[] k = keys.get(e.getKey());
      out.accept(
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
  public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out) {
    String source = file.getMetadata().resourceId().toString();
    long[] c =
        read(
            source,
            parser -> {
              try (SeekableByteChannel ch = file.openSeekable()) {
                byte[] magic = new byte[4];
                java.nio.ByteBuffer m = java.nio.ByteBuffer.wrap(magic);
                while (m.hasRemaining() && ch.read(m) > 0) {
                  // read the first four bytes
                }
                ch.position(0);
                if (m.position() == 4 && isParquet(magic)) {
                  return SensorsParquet.readReadings(ch, parser);
                }
                return parser.parseCsv(file.readFullyAsBytes());
              }
            },
            rules,
            s -> out.get(readings).output(s),
            f -> out.get(failures).output(f));
    files.inc();
    if (rowsRead != null) {
      rowsRead.inc(c[0]);
    }
    accepted.inc(c[1]);
    rejected.inc(c[2]);
  }

  private static boolean isParquet(byte[] magic) {
    return magic.length >= 4
        && magic[0] == 'P'
        && magic[1] == 'A'
        && magic[2] == 'R'
        && magic[3] == '1';
  }

  /** Reads a file's rows into a parser, returning the number of rows. */
  interface Reader {
    long read(ReadingParser parser) throws IOException;
  }

  /**
   * Reads one readings file held whole in memory ({@code bytes}, Parquet if it starts with {@code
   * PAR1}, else CSV), as {@link ParseReadingFiles} reads a file: the continuous job's reader, which
   * hashes the same bytes it parses. Returns {rows, accepted, rejected}.
   */
  public static long[] read(
      String source,
      byte[] bytes,
      ReadingRules rules,
      java.util.function.Consumer<SignalSeries> readings,
      java.util.function.Consumer<Failure> failures) {
    return read(
        source,
        parser ->
            isParquet(bytes)
                ? SensorsParquet.readReadings(ParquetChannels.input(bytes, source), parser)
                : parser.parseCsv(bytes),
        rules,
        readings,
        failures);
  }

  private static long[] read(
      String source,
      Reader reader,
      ReadingRules rules,
      java.util.function.Consumer<SignalSeries> out,
      java.util.function.Consumer<Failure> failures) {
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
                failures.accept(f);
              }
            });
    long rows;
    try {
      rows = reader.read(parser);
    } catch (IOException | RuntimeException e) {
      // A file that cannot be read to its end (truncated, not Parquet after all, a page whose CRC
      // does not match) is one reject, and the other files go on. Rows read before the break
      // passed every check and are kept; the unreadable rest counts as one row, rejected.
      rows = counts[0] + counts[1] + 1;
      parser.reject(
          rows,
          new ReadingParser.Rejected(
              UNREADABLE_FILE,
              (rows == 1 ? "the file" : "the file after row " + (rows - 1))
                  + " cannot be read: "
                  + firstLine(e)),
          "");
    }
    emit(builders, keys, source, out);
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
    return new long[] {rows, counts[0], counts[1]};
  }
}
