package dev.strata.transforms.market;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** Helpers of the market transform tests. */
final class MarketTesting {
  private MarketTesting() {}

  /** The committed value of a counter, summed over steps. */
  static long counter(PipelineResult r, Class<?> ns, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        r.metrics()
            .queryMetrics(
                MetricsFilter.builder().addNameFilter(MetricNameFilter.named(ns, name)).build())
            .getCounters()) {
      sum += c.getCommitted();
    }
    return sum;
  }

  /** A test resource as a file. */
  static Path resource(String name) {
    try {
      return Path.of(MarketTesting.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(name, e);
    }
  }

  /** One symbol's rows: {@code rows} days from {@code firstDay}, adj close i % 7. */
  static BarSeries piece(String source, int firstDay, int rows, long volumeBase) {
    BarSeries.Builder b = BarSeries.builder("S", "S Corp", source);
    for (int i = 0; i < rows; i++) {
      b.add(firstDay + i, 1, 1, 1, 1, (float) (i % 7), volumeBase + i);
    }
    return b.build();
  }
}
