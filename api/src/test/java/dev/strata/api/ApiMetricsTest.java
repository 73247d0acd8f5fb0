package dev.strata.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** /metrics labels come from closed sets, whatever a client sends (issue 15, item 2). */
class ApiMetricsTest {
  @Test
  void madeUpMethodNamesShareOneLabel() {
    ApiMetrics metrics = new ApiMetrics();
    for (int i = 0; i < 10_000; i++) {
      metrics.request("other", "M".repeat(100) + i, 405, 1_000);
    }
    metrics.request("/predict", "GET", 200, 1_000);
    metrics.request("/predict", "GET", 200, 1_000);
    String text = metrics.render();
    assertThat(text)
        .contains(
            "strata_api_requests_total{route=\"other\",method=\"other\",status=\"405\"} 10000")
        .contains("strata_api_requests_total{route=\"/predict\",method=\"GET\",status=\"200\"} 2")
        .doesNotContain("MMMM");
    assertThat(text.lines().filter(l -> l.startsWith("strata_api_requests_total{")).count())
        .isEqualTo(2);
  }
}
