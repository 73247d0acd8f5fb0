package dev.strata.transforms.market;

import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes series to {@code <directory>/<prefix>-SSSSS-of-NNNNN.parquet} in the stage-1 or stage-2
 * layout of {@link MarketParquet}. Sharding is left to the runner, so no row is shuffled just to be
 * written: each bundle of series becomes a file. FileIO writes to temporary files and renames them
 * on success, so a failed or retried bundle leaves no partial file behind.
 */
public final class WriteMarketParquet
    extends PTransform<PCollection<BarSeries>, WriteFilesResult<Void>> {
  private final String directory;
  private final String prefix;
  private final boolean features;

  private WriteMarketParquet(String directory, String prefix, boolean features) {
    if (directory == null || directory.isEmpty()) {
      throw new IllegalArgumentException(
          "directory must be a non-empty path, but was " + directory);
    }
    this.directory = directory;
    this.prefix = prefix;
    this.features = features;
  }

  /** Stage 1 columns only. */
  public static WriteMarketParquet raw(String directory) {
    return new WriteMarketParquet(directory, "part", false);
  }

  /** Stage 1 columns plus {@code vol_moving_avg} and {@code adj_close_rolling_med}. */
  public static WriteMarketParquet features(String directory) {
    return new WriteMarketParquet(directory, "part", true);
  }

  /** The same files named {@code <prefix>-SSSSS-of-NNNNN.parquet} (default {@code part}). */
  public WriteMarketParquet withPrefix(String newPrefix) {
    return new WriteMarketParquet(directory, newPrefix, features);
  }

  @Override
  public WriteFilesResult<Void> expand(PCollection<BarSeries> series) {
    return series.apply(
        "WriteParquet",
        FileIO.<BarSeries>write()
            .via(features ? MarketParquet.Sink.features() : MarketParquet.Sink.raw())
            .to(directory)
            .withPrefix(prefix)
            .withSuffix(".parquet"));
  }
}
