package dev.strata.transforms.market;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads market Parquet files (stage 1 layout) into {@link BarSeries}, one element per run of a
 * symbol in a file (a whole symbol for files written by this job). Bounded. Counters (namespace:
 * this class): {@link #FILES}, {@link #ROWS}. An unreadable file or one without the stage-1 columns
 * fails the bundle.
 */
public final class ReadMarketParquet
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollection<BarSeries>> {
  /** Counter: files read. */
  public static final String FILES = "files";

  /** Counter: rows read. */
  public static final String ROWS = "rows";

  private final boolean withFeatures;

  private ReadMarketParquet(boolean withFeatures) {
    this.withFeatures = withFeatures;
  }

  public static ReadMarketParquet create() {
    return new ReadMarketParquet(false);
  }

  /**
   * Stage-2 files, each series with its {@code vol_moving_avg} and {@code adj_close_rolling_med}.
   */
  public static ReadMarketParquet withFeatures() {
    return new ReadMarketParquet(true);
  }

  @Override
  public PCollection<BarSeries> expand(PCollection<FileIO.ReadableFile> files) {
    return files
        .apply("ReadSeries", ParDo.of(new ReadFn(withFeatures)))
        .setCoder(BarSeriesCoder.of());
  }

  static final class ReadFn extends DoFn<FileIO.ReadableFile, BarSeries> {
    private final Counter files = Metrics.counter(ReadMarketParquet.class, FILES);
    private final Counter rows = Metrics.counter(ReadMarketParquet.class, ROWS);
    private final boolean withFeatures;

    ReadFn(boolean withFeatures) {
      this.withFeatures = withFeatures;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<BarSeries> out)
        throws IOException {
      String source = file.getMetadata().resourceId().toString();
      try (SeekableByteChannel channel = file.openSeekable()) {
        MarketParquet.readSeries(
            channel,
            source,
            withFeatures,
            s -> {
              rows.inc(s.size());
              out.output(s);
            });
      }
      files.inc();
    }
  }
}
