package dev.strata.transforms.market;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Writes {@link BarSeries} rows straight into parquet-column's column writers: the same encoders,
 * pages, statistics, compression and footer as {@code ParquetWriter}, without its record-assembly
 * layer ({@code RecordConsumer}: start/end message and field per value), which the profile showed
 * at a quarter of the write cost. Symbol and name {@link Binary}s are made once per series, dates
 * once per distinct day.
 *
 * <p>Row groups are cut at {@code rowGroupBytes} of buffered data, as {@code ParquetWriter} does.
 * Not thread-safe; one writer per file.
 */
final class SeriesParquetWriter implements Closeable {
  static final long ROW_GROUP_BYTES = 128L * 1024 * 1024;
  private static final int SIZE_CHECK_EVERY = 10_000;
  private static final int FIRST_DAY = -25_567; // 1900-01-01
  private static final int DAYS = 73_415; // through 2100-12-31

  private final boolean features;
  private final MessageType schema;
  private final ParquetProperties props;
  private final ParquetFileWriter file;
  private final CodecFactory codecs;
  private final CodecFactory.BytesCompressor compressor;
  private final Map<String, String> metadata;
  private final Binary[] dateCache = new Binary[DAYS];
  private ColumnChunkPageWriteStore pages;
  private ColumnWriteStore store;
  private ColumnWriter[] columns;
  private long rowsInGroup;
  private int sinceSizeCheck;

  SeriesParquetWriter(OutputFile out, boolean features) throws IOException {
    this.features = features;
    this.schema = features ? MarketParquet.FEATURES : MarketParquet.RAW;
    this.props =
        ParquetProperties.builder()
            // prices, volumes and features are high-cardinality: no dictionary to build and discard
            .withDictionaryEncoding(false)
            .withDictionaryEncoding(MarketParquet.SYMBOL, true)
            .withDictionaryEncoding(MarketParquet.SECURITY_NAME, true)
            .withStatisticsEnabled(MarketParquet.SECURITY_NAME, false)
            .build();
    this.file =
        new ParquetFileWriter(
            out, schema, ParquetFileWriter.Mode.OVERWRITE, ROW_GROUP_BYTES, 0, null, props);
    this.file.start();
    this.codecs = new CodecFactory(new PlainParquetConfiguration(), props.getPageSizeThreshold());
    this.compressor = codecs.getCompressor(CompressionCodecName.SNAPPY);
    this.metadata = Map.of("strata.schema", schema.getName(), "writer.model.name", "strata");
    newRowGroup();
  }

  private void newRowGroup() {
    pages =
        new ColumnChunkPageWriteStore(
            compressor,
            schema,
            props.getAllocator(),
            props.getColumnIndexTruncateLength(),
            props.getPageWriteChecksumEnabled());
    store = props.newColumnWriteStore(schema, pages, pages);
    columns = new ColumnWriter[schema.getColumns().size()];
    int c = 0;
    for (ColumnDescriptor d : schema.getColumns()) {
      columns[c++] = store.getColumnWriter(d);
    }
    rowsInGroup = 0;
    sinceSizeCheck = 0;
  }

  void write(BarSeries s) throws IOException {
    if (features && !s.hasFeatures()) {
      throw new IllegalArgumentException(s.symbol() + " has no feature columns");
    }
    Binary symbol = Binary.fromString(s.symbol());
    Binary name = s.securityName() == null ? null : Binary.fromString(s.securityName());
    ColumnWriter[] w = columns;
    for (int i = 0; i < s.size(); i++) {
      w[0].write(symbol, 0, 0);
      if (name == null) {
        w[1].writeNull(0, 0);
      } else {
        w[1].write(name, 0, 1);
      }
      w[2].write(date(s.days[i]), 0, 0);
      w[3].write(s.open[i], 0, 0);
      w[4].write(s.high[i], 0, 0);
      w[5].write(s.low[i], 0, 0);
      w[6].write(s.close[i], 0, 0);
      w[7].write(s.adjClose[i], 0, 0);
      w[8].write(s.volume[i], 0, 0);
      if (features) {
        writeNullable(w[9], s.volMovingAvg[i]);
        writeNullable(w[10], s.adjCloseRollingMed[i]);
      }
      store.endRecord();
      rowsInGroup++;
      if (++sinceSizeCheck >= SIZE_CHECK_EVERY) {
        sinceSizeCheck = 0;
        if (store.getBufferedSize() >= ROW_GROUP_BYTES) {
          flushRowGroup();
          w = columns;
        }
      }
    }
  }

  private static void writeNullable(ColumnWriter w, double v) {
    if (Double.isNaN(v)) { // NaN stands for null inside a series
      w.writeNull(0, 0);
    } else {
      w.write(v, 0, 1);
    }
  }

  private Binary date(int epochDay) {
    int k = epochDay - FIRST_DAY;
    if (k < 0 || k >= DAYS) {
      return Binary.fromConstantByteArray(MarketParquet.dateBytes(epochDay));
    }
    Binary b = dateCache[k];
    if (b == null) {
      b = Binary.fromConstantByteArray(MarketParquet.dateBytes(epochDay));
      dateCache[k] = b;
    }
    return b;
  }

  private void flushRowGroup() throws IOException {
    writeRowGroup();
    newRowGroup();
  }

  /** Writes the buffered rows (if any) as one row group and releases the column buffers. */
  private void writeRowGroup() throws IOException {
    if (rowsInGroup > 0) {
      file.startBlock(rowsInGroup);
      store.flush();
      pages.flushToFileWriter(file);
      file.endBlock();
    }
    store.close();
    pages.close();
  }

  @Override
  public void close() throws IOException {
    try {
      writeRowGroup();
      file.end(metadata);
    } finally {
      codecs.release();
    }
  }
}
