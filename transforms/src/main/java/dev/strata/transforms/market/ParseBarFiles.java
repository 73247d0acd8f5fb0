package dev.strata.transforms.market;

import dev.strata.transforms.common.Failure;
import dev.strata.transforms.common.KeyBuckets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.ReadableFileCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads price files of the Kaggle layout, one file per symbol, and validates every row.
 *
 * <p>Consumes bounded {@link FileIO.ReadableFile}s ({@code etfs/*.csv}, {@code stocks/*.csv}).
 * Produces on {@link #BARS} one {@link BarSeries} per file with at least one valid row, named after
 * the file ({@code AGM-A.csv} gives {@code AGM-A}; {@link JoinSecurityNames} maps it to the
 * metadata's symbol), sorted by date with unique dates; and on {@link #FAILURES} every rejected row
 * with file, line, reason and the original text (see {@link BarFileParser} and {@link
 * BarRejection}). Every data row goes to exactly one of the two.
 *
 * <p>The files of one symbol ({@code etfs/X.csv} and {@code stocks/X.csv}) are grouped by file name
 * and read together in path order: a date the symbol already has from an earlier file is rejected
 * as {@code duplicate_date} at its own file and line, so {@code etfs/} has precedence over {@code
 * stocks/}, whatever order the runner delivers files in, and the series of one symbol never share a
 * date.
 *
 * <p>Counters (namespace: this class; read them with {@code MetricNameFilter.named(
 * ParseBarFiles.class, name)}): {@link #FILES}, {@link #ROWS_READ}, {@link #ROWS_KEPT}, {@link
 * #ROWS_REJECTED}, {@link #rejectedCounter} per {@link BarRejection} ({@code rejected_<code>}), and
 * the kept oddities {@link #OPEN_ZERO}, {@link #HIGH_BELOW_LOW}, {@link #ZERO_VOLUME}, {@link
 * #SCIENTIFIC_NOTATION}, {@link #FLOAT_VOLUME}, {@link #NEGATIVE_PRICE}, and the odd files {@link
 * #EMPTY_FILES}, {@link #BAD_HEADER_FILES}. A file that cannot be read fails the bundle (the runner
 * retries it).
 */
public final class ParseBarFiles
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollectionTuple> {
  public static final TupleTag<BarSeries> BARS = new TupleTag<BarSeries>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};

  /** Counter: files read. */
  public static final String FILES = "files";

  /** Counter: data rows read (kept + rejected). */
  public static final String ROWS_READ = "rowsRead";

  /** Counter: rows kept, on {@link #BARS}. */
  public static final String ROWS_KEPT = "rowsKept";

  /** Counter: rows rejected, on {@link #FAILURES}. */
  public static final String ROWS_REJECTED = "rowsRejected";

  /** Counter: kept rows with {@code Open} = 0. */
  public static final String OPEN_ZERO = "openZero";

  /** Counter: kept rows with {@code High} below {@code Low}. */
  public static final String HIGH_BELOW_LOW = "highBelowLow";

  /** Counter: kept rows with zero volume. */
  public static final String ZERO_VOLUME = "zeroVolume";

  /** Counter: kept rows with a price in scientific notation. */
  public static final String SCIENTIFIC_NOTATION = "scientificNotation";

  /** Counter: kept rows whose volume is written as a float ({@code 806400.0}). */
  public static final String FLOAT_VOLUME = "floatVolume";

  /** Counter: kept rows with a negative price (any of Open, High, Low, Close, Adj Close). */
  public static final String NEGATIVE_PRICE = "negativePrice";

  /** Counter: files without a data row (zero bytes, only blank lines, or a header only). */
  public static final String EMPTY_FILES = "emptyFiles";

  /** Counter: files whose header lacks a required column (their rows are all rejected). */
  public static final String BAD_HEADER_FILES = "badHeaderFiles";

  /**
   * Counter of {@link #appended}: files whose appended rows cannot simply be added (a date not
   * after the symbol's last one, a date twice among them, no header before them). The caller then
   * recomputes instead; nothing of such a file is output.
   */
  public static final String APPENDS_NOT_ADDABLE = "appendsNotAddable";

  /** Counter name prefix of the rows rejected for one reason: {@code rejected_<code>}. */
  public static final String REJECTED_PREFIX = "rejected_";

  /** The counter of the rows rejected for {@code why}, e.g. {@code rejected_duplicate_date}. */
  public static String rejectedCounter(BarRejection why) {
    return REJECTED_PREFIX + why.code();
  }

  private ParseBarFiles() {}

  public static ParseBarFiles create() {
    return new ParseBarFiles();
  }

  /**
   * Parses only the rows appended to bar files ({@link BarAppend}: a byte range of whole lines),
   * with the file's header, validated by the same rules and counted by the same counters as a whole
   * file; rejects carry their true line number in the file. A file whose appended rows are not all
   * after its symbol's last date (or repeat a date, or follow no header) outputs nothing and counts
   * {@link #APPENDS_NOT_ADDABLE}: adding them would not give what parsing the whole file gives, so
   * the caller parses the whole file instead.
   */
  public static PTransform<PCollection<BarAppend>, PCollectionTuple> appended() {
    return new PTransform<PCollection<BarAppend>, PCollectionTuple>("ParseAppendedRows") {
      @Override
      public PCollectionTuple expand(PCollection<BarAppend> appends) {
        PCollectionTuple out =
            appends.apply(
                "ParseAppended",
                ParDo.of(new ParseAppendedFn()).withOutputTags(BARS, TupleTagList.of(FAILURES)));
        out.get(BARS).setCoder(BarSeriesCoder.of());
        return out;
      }
    };
  }

  /** The longest header (with blank lines before it) an appended file's start is searched for. */
  static final int MAX_HEADER_BYTES = 64 * 1024;

  static final class ParseAppendedFn extends DoFn<BarAppend, BarSeries> {
    private final Counts counts = new Counts();
    private final Counter notAddable = Metrics.counter(ParseBarFiles.class, APPENDS_NOT_ADDABLE);

    @ProcessElement
    public void process(@Element BarAppend a, MultiOutputReceiver out) throws IOException {
      org.apache.beam.sdk.io.fs.ResourceId file =
          org.apache.beam.sdk.io.FileSystems.matchNewResource(a.path(), false);
      byte[] head;
      byte[] rows = new byte[Math.toIntExact(a.to() - a.from())];
      try (java.nio.channels.SeekableByteChannel ch =
          dev.strata.transforms.common.Store.openSeekable(file)) {
        head = new byte[(int) Math.min(a.from(), MAX_HEADER_BYTES)];
        readFully(ch, 0, head);
        readFully(ch, a.from(), rows);
      }
      int headerEnd = headerEnd(head);
      if (headerEnd < 0) {
        notAddable.inc();
        return;
      }
      int headerLines = 0;
      for (int i = 0; i < headerEnd; i++) {
        headerLines += head[i] == '\n' ? 1 : 0;
      }
      byte[] content = new byte[headerEnd + rows.length];
      System.arraycopy(head, 0, content, 0, headerEnd);
      System.arraycopy(rows, 0, content, headerEnd, rows.length);
      String symbol = symbolOfFile(file.getFilename());
      BarFileParser.Result r = BarFileParser.parse(a.path(), content, symbol, null);
      if (r.rejectedByReason.containsKey(BarRejection.DUPLICATE_DATE)
          || (r.series.size() > 0 && r.series.epochDay(0) <= a.lastDay())) {
        notAddable.inc();
        return;
      }
      long shift = a.linesBefore() - headerLines;
      List<Failure> failures = new ArrayList<>(r.failures.size());
      for (Failure f : r.failures) {
        Long line = f.line();
        failures.add(
            Failure.of(
                f.step(),
                f.source(),
                line == null ? null : line + shift,
                f.reason(),
                f.message(),
                f.payload()));
      }
      counts.count(r, failures, out, false);
    }

    private static void readFully(
        java.nio.channels.SeekableByteChannel ch, long position, byte[] into) throws IOException {
      ch.position(position);
      ByteBuffer b = ByteBuffer.wrap(into);
      while (b.hasRemaining()) {
        if (ch.read(b) < 0) {
          throw new IOException("the file is shorter than its recorded ingested length");
        }
      }
    }

    /** Just after the newline of the first line that is not blank, or -1 if there is none. */
    static int headerEnd(byte[] b) {
      boolean content = false;
      for (int i = 0; i < b.length; i++) {
        byte c = b[i];
        if (c == '\n') {
          if (content) {
            return i + 1;
          }
        } else if (c != ' ' && c != '\t' && c != '\r' && !(i < 3 && (c & 0xff) >= 0xbb)) {
          content = true; // the UTF-8 BOM (EF BB BF) is not content
        }
      }
      return -1;
    }
  }

  @Override
  public PCollectionTuple expand(PCollection<FileIO.ReadableFile> files) {
    PCollectionTuple out =
        files
            .apply("KeyBySymbolBucket", KeyBuckets.byBucketOf(ParseBarFiles::symbolOf))
            .setCoder(KvCoder.of(VarIntCoder.of(), ReadableFileCoder.of()))
            .apply("GroupBySymbolBucket", GroupByKey.create())
            .apply(
                "ParseFiles",
                ParDo.of(new ParseFn()).withOutputTags(BARS, TupleTagList.of(FAILURES)));
    out.get(BARS).setCoder(BarSeriesCoder.of());
    return out;
  }

  static String symbolOf(FileIO.ReadableFile file) {
    return symbolOfFile(file.getMetadata().resourceId().getFilename());
  }

  /** {@code dir/AGM-A.csv} to {@code AGM-A}. */
  public static String symbolOfFile(String fileName) {
    String name = fileName.substring(fileName.lastIndexOf('/') + 1);
    return name.regionMatches(true, name.length() - 4, ".csv", 0, 4)
        ? name.substring(0, name.length() - 4)
        : name;
  }

  /**
   * The whole file in one array of its own size. {@code ReadableFile.readFullyAsBytes} copies
   * through small buffers and regrows its array (a tenth of ingest's CPU in the profile); an
   * uncompressed file of known size is read straight into place instead. A file that changed size
   * while being read, or a compressed one, falls back to the general path.
   */
  static byte[] readAll(FileIO.ReadableFile file) throws IOException {
    long size = file.getMetadata().sizeBytes();
    if (file.getCompression() != Compression.UNCOMPRESSED || size > Integer.MAX_VALUE - 64) {
      return file.readFullyAsBytes();
    }
    try (ReadableByteChannel channel = file.open()) {
      byte[] bytes = new byte[(int) size];
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // read until full or end of file
      }
      if (!buffer.hasRemaining() && channel.read(ByteBuffer.allocate(1)) < 0) {
        return bytes;
      }
    }
    return file.readFullyAsBytes(); // size changed under us: take the slow, exact path
  }

  /** Parses a bucket of symbols' files ({@link KeyBuckets}), symbol by symbol. */
  static final class ParseFn extends DoFn<KV<Integer, Iterable<FileIO.ReadableFile>>, BarSeries> {
    private final Counts counts = new Counts();

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<FileIO.ReadableFile>> bucket, MultiOutputReceiver out)
        throws IOException {
      for (Map.Entry<String, List<FileIO.ReadableFile>> symbol :
          KeyBuckets.regroup(bucket.getValue(), ParseBarFiles::symbolOf).entrySet()) {
        parseSymbol(symbol.getKey(), symbol.getValue(), out);
      }
    }

    private void parseSymbol(
        String symbol, List<FileIO.ReadableFile> files, MultiOutputReceiver out)
        throws IOException {
      List<FileIO.ReadableFile> inPathOrder = new ArrayList<>(files);
      inPathOrder.sort(Comparator.comparing(f -> f.getMetadata().resourceId().toString()));
      // date -> where it was kept, filled only when another file of the symbol follows
      Map<Integer, String> kept = new HashMap<>();
      for (int k = 0; k < inPathOrder.size(); k++) {
        String path = inPathOrder.get(k).getMetadata().resourceId().toString();
        BarFileParser.Result r =
            BarFileParser.parse(
                path, readAll(inPathOrder.get(k)), symbol, null, kept.isEmpty() ? null : kept::get);
        counts.count(r, r.failures, out, true);
        if (k + 1 < inPathOrder.size()) {
          for (int i = 0; i < r.series.size(); i++) {
            kept.putIfAbsent(r.series.epochDay(i), path + " line " + r.lines[i]);
          }
        }
      }
    }
  }

  /** The counters of a parsed file, and its outputs: shared by whole and appended files. */
  static final class Counts implements java.io.Serializable {
    private final Counter files = Metrics.counter(ParseBarFiles.class, FILES);
    private final Counter rowsRead = Metrics.counter(ParseBarFiles.class, ROWS_READ);
    private final Counter rowsKept = Metrics.counter(ParseBarFiles.class, ROWS_KEPT);
    private final Counter rowsRejected = Metrics.counter(ParseBarFiles.class, ROWS_REJECTED);
    private final Counter openZero = Metrics.counter(ParseBarFiles.class, OPEN_ZERO);
    private final Counter highBelowLow = Metrics.counter(ParseBarFiles.class, HIGH_BELOW_LOW);
    private final Counter zeroVolume = Metrics.counter(ParseBarFiles.class, ZERO_VOLUME);
    private final Counter scientific = Metrics.counter(ParseBarFiles.class, SCIENTIFIC_NOTATION);
    private final Counter floatVolume = Metrics.counter(ParseBarFiles.class, FLOAT_VOLUME);
    private final Counter negativePrice = Metrics.counter(ParseBarFiles.class, NEGATIVE_PRICE);
    private final Counter emptyFiles = Metrics.counter(ParseBarFiles.class, EMPTY_FILES);
    private final Counter badHeaderFiles = Metrics.counter(ParseBarFiles.class, BAD_HEADER_FILES);

    /**
     * Counts {@code r} and outputs its series and {@code failures}. {@code wholeFile}: a file read
     * whole (it counts as a file, and as empty when it has no data row).
     */
    void count(
        BarFileParser.Result r,
        List<Failure> failures,
        DoFn.MultiOutputReceiver out,
        boolean wholeFile) {
      if (wholeFile) {
        files.inc();
      }
      if (wholeFile && r.rowsRead == 0) {
        emptyFiles.inc();
      }
      if (wholeFile && r.headerProblem != null) {
        badHeaderFiles.inc();
      }
      rowsRead.inc(r.rowsRead);
      rowsKept.inc(r.series.size());
      rowsRejected.inc(failures.size());
      for (Map.Entry<BarRejection, Long> e : r.rejectedByReason.entrySet()) {
        Metrics.counter(ParseBarFiles.class, rejectedCounter(e.getKey())).inc(e.getValue());
      }
      openZero.inc(r.oddities.openZero);
      highBelowLow.inc(r.oddities.highBelowLow);
      zeroVolume.inc(r.oddities.zeroVolume);
      scientific.inc(r.oddities.scientificNotation);
      floatVolume.inc(r.oddities.floatVolume);
      negativePrice.inc(r.oddities.negativePrice);
      if (r.series.size() > 0) {
        out.get(BARS).output(r.series);
      }
      for (Failure f : failures) {
        out.get(FAILURES).output(f);
      }
    }
  }
}
