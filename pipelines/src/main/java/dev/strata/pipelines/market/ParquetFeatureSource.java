package dev.strata.pipelines.market;

import dev.strata.model.train.FeatureSource;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.market.BarSeries;
import dev.strata.transforms.market.MarketParquet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The market job's stage-2 Parquet files as the model's {@link FeatureSource}: files in name order,
 * series in file order, read column-wise by {@link MarketParquet#readSeries}, one series in memory
 * at a time. Files are opened through Beam's FileSystems, so they may be local or on {@code gs://}.
 */
public final class ParquetFeatureSource implements FeatureSource {
  private final List<ResourceId> files;

  public ParquetFeatureSource(List<ResourceId> files) {
    this.files = List.copyOf(files);
  }

  @Override
  public void scan(SeriesVisitor visitor) throws IOException {
    for (ResourceId file : files) {
      try (SeekableByteChannel channel = Store.openSeekable(file)) {
        MarketParquet.readSeries(
            channel,
            file.toString(),
            true,
            series -> {
              try {
                visit(series, visitor);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
  }

  private static void visit(BarSeries s, SeriesVisitor visitor) throws IOException {
    int n = s.size();
    int[] days = new int[n];
    long[] volume = new long[n];
    for (int i = 0; i < n; i++) {
      days[i] = s.epochDay(i);
      volume[i] = s.volume(i);
    }
    visitor.visit(s.symbol(), days, s.volMovingAvgColumn(), s.adjCloseRollingMedColumn(), volume);
  }
}
