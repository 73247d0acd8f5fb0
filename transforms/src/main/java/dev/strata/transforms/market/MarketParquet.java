package dev.strata.transforms.market;

import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.beam.sdk.io.FileIO;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The market job's Parquet files, written and read with parquet-hadoop's own API because the column
 * names ({@code Security Name}, {@code Adj Close}) are not Avro names (see docs/architecture.md).
 *
 * <p>Stage 1 ({@link #RAW}): {@code Symbol} string, {@code Security Name} string (nullable), {@code
 * Date} string {@code YYYY-MM-DD}, {@code Open}, {@code High}, {@code Low}, {@code Close}, {@code
 * Adj Close} float, {@code Volume} int64. Stage 2 ({@link #FEATURES}) adds {@code vol_moving_avg}
 * and {@code adj_close_rolling_med}, nullable doubles. Rows of one series are written contiguously
 * and in date order (by {@link SeriesParquetWriter}). Snappy-compressed; {@code Symbol} and {@code
 * Security Name} dictionary-encoded; readable by DuckDB, Spark and pandas.
 */
public final class MarketParquet {
  public static final String SYMBOL = "Symbol";
  public static final String SECURITY_NAME = "Security Name";
  public static final String DATE = "Date";
  public static final String OPEN = "Open";
  public static final String HIGH = "High";
  public static final String LOW = "Low";
  public static final String CLOSE = "Close";
  public static final String ADJ_CLOSE = "Adj Close";
  public static final String VOLUME = "Volume";
  public static final String VOL_MOVING_AVG = "vol_moving_avg";
  public static final String ADJ_CLOSE_ROLLING_MED = "adj_close_rolling_med";

  public static final MessageType RAW = schema(false);
  public static final MessageType FEATURES = schema(true);

  private MarketParquet() {}

  private static MessageType schema(boolean features) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(SYMBOL);
    b.optional(PrimitiveTypeName.BINARY)
        .as(LogicalTypeAnnotation.stringType())
        .named(SECURITY_NAME);
    b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(DATE);
    for (String price : new String[] {OPEN, HIGH, LOW, CLOSE, ADJ_CLOSE}) {
      b.required(PrimitiveTypeName.FLOAT).named(price);
    }
    b.required(PrimitiveTypeName.INT64).named(VOLUME);
    if (features) {
      b.optional(PrimitiveTypeName.DOUBLE).named(VOL_MOVING_AVG);
      b.optional(PrimitiveTypeName.DOUBLE).named(ADJ_CLOSE_ROLLING_MED);
    }
    return b.named(features ? "market_features" : "market_raw");
  }

  /** {@code YYYY-MM-DD} for an epoch day, as ASCII bytes (years 0..9999). */
  static byte[] dateBytes(int epochDay) {
    LocalDate d = LocalDate.ofEpochDay(epochDay);
    int y = d.getYear();
    int m = d.getMonthValue();
    int day = d.getDayOfMonth();
    if (y < 0 || y > 9999) {
      return d.toString().getBytes(StandardCharsets.US_ASCII);
    }
    return new byte[] {
      (byte) ('0' + y / 1000),
      (byte) ('0' + y / 100 % 10),
      (byte) ('0' + y / 10 % 10),
      (byte) ('0' + y % 10),
      '-',
      (byte) ('0' + m / 10),
      (byte) ('0' + m % 10),
      '-',
      (byte) ('0' + day / 10),
      (byte) ('0' + day % 10)
    };
  }

  // ------------------------------------------------------------------ writing

  /**
   * A {@link FileIO.Sink} that writes series as rows, with or without the feature columns. One
   * Parquet file per sink instance; rows of a series stay together and in order.
   */
  public static final class Sink implements FileIO.Sink<BarSeries> {
    private static final long serialVersionUID = 1L;
    private final boolean features;
    private transient @Nullable SeriesParquetWriter writer;

    private Sink(boolean features) {
      this.features = features;
    }

    public static Sink raw() {
      return new Sink(false);
    }

    public static Sink features() {
      return new Sink(true);
    }

    @Override
    public void open(WritableByteChannel channel) throws IOException {
      writer = new SeriesParquetWriter(ParquetChannels.output(channel), features);
    }

    @Override
    public void write(BarSeries series) throws IOException {
      writer.write(series);
    }

    @Override
    public void flush() throws IOException {
      if (writer != null) {
        writer.close(); // writes the footer; the channel stays open for FileIO
        writer = null;
      }
    }
  }

  // ------------------------------------------------------------------ reading

  /**
   * Reads a market Parquet file (stage 1 or 2 layout; feature columns are ignored) and hands over
   * one {@link BarSeries} per run of consecutive rows with the same symbol, in file order. The
   * series' source is {@code sourceName}. Columns are read column-wise per row group: required
   * PLAIN-encoded numeric columns (how this job writes them) are decoded page by page in bulk, any
   * other encoding goes through parquet-column's value readers.
   *
   * @throws IOException if the file cannot be read or lacks a stage-1 column
   */
  /**
   * The symbols a market Parquet file holds, from the dictionary pages of its {@code Symbol} column
   * (one small page per row group: the file's rows are not read); a row group written without a
   * dictionary is read whole instead.
   */
  public static java.util.SortedSet<String> symbols(SeekableByteChannel channel, String sourceName)
      throws IOException {
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    boolean plain = false;
    try (ParquetFileReader reader =
        ParquetFileReader.open(
            ParquetChannels.input(channel, sourceName), ParquetChannels.verifiedReadOptions())) {
      MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
      ColumnDescriptor symbol = fileSchema.getColumnDescription(new String[] {SYMBOL});
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        org.apache.parquet.column.page.DictionaryPageReadStore dictionaries =
            reader.getDictionaryReader(block);
        org.apache.parquet.column.page.DictionaryPage page =
            dictionaries.readDictionaryPage(symbol);
        boolean onlyDictionary = true;
        for (ColumnChunkMetaData c : block.getColumns()) {
          if (c.getPath().equals(ColumnPath.get(SYMBOL))) {
            onlyDictionary = c.hasDictionaryPage() && !c.getEncodings().contains(Encoding.PLAIN);
          }
        }
        if (page == null || !onlyDictionary) {
          plain = true;
          break;
        }
        org.apache.parquet.column.Dictionary d = page.getEncoding().initDictionary(symbol, page);
        for (int i = 0; i <= d.getMaxId(); i++) {
          out.add(d.decodeToBinary(i).toStringUsingUTF8());
        }
      }
    }
    if (plain) {
      out.clear();
      readSeries(channel, sourceName, s -> out.add(s.symbol()));
    }
    return out;
  }

  public static void readSeries(
      SeekableByteChannel channel, String sourceName, Consumer<BarSeries> out) throws IOException {
    readSeries(channel, sourceName, false, out);
  }

  /**
   * Like {@link #readSeries(SeekableByteChannel, String, Consumer)}; with {@code withFeatures} the
   * file must be a stage-2 file and each series carries its {@code vol_moving_avg} and {@code
   * adj_close_rolling_med} (null as NaN, see {@link BarSeries#withFeatures}).
   */
  public static void readSeries(
      SeekableByteChannel channel, String sourceName, boolean withFeatures, Consumer<BarSeries> out)
      throws IOException {
    ParquetReadOptions options = ParquetChannels.verifiedReadOptions();
    try (ParquetFileReader reader =
        ParquetFileReader.open(ParquetChannels.input(channel, sourceName), options)) {
      MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
      MessageType wanted = withFeatures ? FEATURES : RAW;
      MessageType projection = new MessageType("market", project(wanted, fileSchema, sourceName));
      String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
      ColumnDescriptor[] cols = new ColumnDescriptor[wanted.getFieldCount()];
      for (int c = 0; c < cols.length; c++) {
        cols[c] = projection.getColumnDescription(new String[] {wanted.getFieldName(c)});
      }
      SeriesFeatures features = withFeatures ? new SeriesFeatures() : null;
      reader.setRequestedSchema(projection);
      List<BlockMetaData> blocks = reader.getRowGroups();
      Binary currentSymbol = null;
      BarSeries.Builder current = null;
      PageReadStore rowGroup;
      int blockIndex = 0;
      while ((rowGroup = reader.readNextRowGroup()) != null) {
        BlockMetaData block = blocks.get(blockIndex++);
        int rows = Math.toIntExact(rowGroup.getRowCount());
        ColumnReadStoreImpl store =
            new ColumnReadStoreImpl(rowGroup, new NoOpConverter(), projection, createdBy);
        float[][] prices = new float[5][];
        for (int k = 0; k < 5; k++) {
          prices[k] = readFloats(rowGroup, store, block, cols[3 + k], rows);
        }
        long[] volume = readLongs(rowGroup, store, block, cols[8], rows);
        ColumnReader vma = withFeatures ? store.getColumnReader(cols[9]) : null;
        ColumnReader med = withFeatures ? store.getColumnReader(cols[10]) : null;
        ColumnReader symbols = store.getColumnReader(cols[0]);
        ColumnReader names = store.getColumnReader(cols[1]);
        ColumnReader dates = store.getColumnReader(cols[2]);
        int nameMaxDef = cols[1].getMaxDefinitionLevel();
        for (int k = 0; k < rows; k++) {
          Binary symbol = symbols.getBinary();
          Binary name = names.getCurrentDefinitionLevel() == nameMaxDef ? names.getBinary() : null;
          if (current == null || (symbol != currentSymbol && !symbol.equals(currentSymbol))) {
            if (current != null) {
              out.accept(build(current, features));
            }
            currentSymbol = symbol.copy();
            current =
                BarSeries.builder(
                    symbol.toStringUsingUTF8(),
                    name == null ? null : name.toStringUsingUTF8(),
                    sourceName);
          }
          current.add(
              parseDate(dates.getBinary(), sourceName),
              prices[0][k],
              prices[1][k],
              prices[2][k],
              prices[3][k],
              prices[4][k],
              volume[k]);
          if (features != null) {
            features.add(optionalDouble(vma), optionalDouble(med));
          }
          symbols.consume();
          names.consume();
          dates.consume();
        }
      }
      if (current != null) {
        out.accept(build(current, features));
      }
    }
  }

  private static BarSeries build(BarSeries.Builder builder, SeriesFeatures features) {
    BarSeries series = builder.build();
    if (features == null) {
      return series;
    }
    BarSeries withFeatures = series.withFeatures(features.volMovingAvg(), features.median());
    features.clear();
    return withFeatures;
  }

  /** The current value of an optional double column (NaN when null), consumed. */
  private static double optionalDouble(ColumnReader reader) {
    double v =
        reader.getCurrentDefinitionLevel() == reader.getDescriptor().getMaxDefinitionLevel()
            ? reader.getDouble()
            : Double.NaN;
    reader.consume();
    return v;
  }

  /** The feature values of the series being built. */
  private static final class SeriesFeatures {
    private double[] a = new double[1024];
    private double[] b = new double[1024];
    private int n;

    void add(double volMovingAvg, double median) {
      if (n == a.length) {
        a = Arrays.copyOf(a, 2 * n);
        b = Arrays.copyOf(b, 2 * n);
      }
      a[n] = volMovingAvg;
      b[n] = median;
      n++;
    }

    double[] volMovingAvg() {
      return Arrays.copyOf(a, n);
    }

    double[] median() {
      return Arrays.copyOf(b, n);
    }

    void clear() {
      n = 0;
    }
  }

  /** True when a column chunk holds only PLAIN values of a required, non-repeated column. */
  private static boolean plainRequired(BlockMetaData block, ColumnDescriptor d) {
    if (d.getMaxDefinitionLevel() != 0 || d.getMaxRepetitionLevel() != 0) {
      return false;
    }
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      if (chunk.getPath().equals(ColumnPath.get(d.getPath()))) {
        return !chunk.hasDictionaryPage()
            && Set.of(Encoding.PLAIN, Encoding.RLE, Encoding.BIT_PACKED)
                .containsAll(chunk.getEncodings());
      }
    }
    return false;
  }

  /** The page's value bytes (levels are absent for required, non-repeated columns). */
  private static ByteBuffer values(DataPage page) throws IOException {
    BytesInput bytes =
        page instanceof DataPageV2 ? ((DataPageV2) page).getData() : ((DataPageV1) page).getBytes();
    return ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static float[] readFloats(
      PageReadStore rowGroup,
      ColumnReadStoreImpl store,
      BlockMetaData block,
      ColumnDescriptor d,
      int rows)
      throws IOException {
    float[] out = new float[rows];
    readColumn(
        rowGroup,
        store,
        block,
        d,
        rows,
        (values, at, n) -> values.asFloatBuffer().get(out, at, n),
        (reader, k) -> out[k] = reader.getFloat());
    return out;
  }

  private static long[] readLongs(
      PageReadStore rowGroup,
      ColumnReadStoreImpl store,
      BlockMetaData block,
      ColumnDescriptor d,
      int rows)
      throws IOException {
    long[] out = new long[rows];
    readColumn(
        rowGroup,
        store,
        block,
        d,
        rows,
        (values, at, n) -> values.asLongBuffer().get(out, at, n),
        (reader, k) -> out[k] = reader.getLong());
    return out;
  }

  /** Copies {@code n} little-endian values of a page into the output from index {@code at}. */
  private interface BulkDecoder {
    void decode(ByteBuffer values, int at, int n);
  }

  /** Stores the reader's current value at index {@code k}. */
  private interface ValueCopier {
    void copy(ColumnReader reader, int k);
  }

  /** One numeric column of a row group: in bulk from PLAIN pages, else value by value. */
  private static void readColumn(
      PageReadStore rowGroup,
      ColumnReadStoreImpl store,
      BlockMetaData block,
      ColumnDescriptor d,
      int rows,
      BulkDecoder bulk,
      ValueCopier each)
      throws IOException {
    if (plainRequired(block, d)) {
      PageReader pages = rowGroup.getPageReader(d);
      int at = 0;
      for (DataPage page = pages.readPage(); page != null; page = pages.readPage()) {
        int n = page.getValueCount();
        bulk.decode(values(page), at, n);
        at += n;
      }
      checkCount(d, at, rows);
    } else {
      ColumnReader r = store.getColumnReader(d);
      for (int k = 0; k < rows; k++) {
        each.copy(r, k);
        r.consume();
      }
    }
  }

  private static void checkCount(ColumnDescriptor d, int got, int rows) throws IOException {
    if (got != rows) {
      throw new IOException(
          "column "
              + String.join(".", d.getPath())
              + " has "
              + got
              + " values in a row group of "
              + rows
              + " rows");
    }
  }

  private static Type[] project(MessageType wanted, MessageType fileSchema, String sourceName)
      throws IOException {
    Type[] fields = new Type[wanted.getFieldCount()];
    for (int c = 0; c < fields.length; c++) {
      String name = wanted.getFieldName(c);
      if (!fileSchema.containsField(name)) {
        throw new IOException(sourceName + " has no column '" + name + "'; schema: " + fileSchema);
      }
      fields[c] = fileSchema.getType(name);
    }
    return fields;
  }

  private static int parseDate(Binary date, String source) throws IOException {
    byte[] b = date.getBytesUnsafe();
    if (b.length != 10 || b[4] != '-' || b[7] != '-') {
      throw new IOException(source + ": Date '" + date.toStringUsingUTF8() + "' is not YYYY-MM-DD");
    }
    int y = (b[0] - '0') * 1000 + (b[1] - '0') * 100 + (b[2] - '0') * 10 + (b[3] - '0');
    int m = (b[5] - '0') * 10 + (b[6] - '0');
    int d = (b[8] - '0') * 10 + (b[9] - '0');
    return (int) LocalDate.of(y, m, d).toEpochDay();
  }

  /** Column readers need a converter tree; values are pulled directly, so it is never called. */
  private static final class NoOpConverter extends GroupConverter {
    private final PrimitiveConverter primitive = new PrimitiveConverter() {};

    @Override
    public Converter getConverter(int fieldIndex) {
      return primitive;
    }

    @Override
    public void start() {}

    @Override
    public void end() {}
  }
}
