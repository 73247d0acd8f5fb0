package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Hand-checked examples for {@link RegressionMetrics}. */
class RegressionMetricsTest {
  @Test
  void metricsOnAHandCheckedExample() {
    // actual 1,2,3,4; predicted 2 everywhere. Errors 1,0,1,2: MAE 1, MSE 6/4, SS_tot about the
    // mean 2.5 is 2.25+0.25+0.25+2.25 = 5, so R² = 1 - 6/5 = -0.2.
    RegressionMetrics m = new RegressionMetrics();
    for (double a : new double[] {1, 2, 3, 4}) {
      m.add(a, 2);
    }
    assertThat(m.count()).isEqualTo(4);
    assertThat(m.mae()).isEqualTo(1.0);
    assertThat(m.rmse()).isCloseTo(Math.sqrt(1.5), within(1e-12));
    assertThat(m.r2()).isCloseTo(-0.2, within(1e-12));
  }

  @Test
  void perfectPredictionsHaveR2One() {
    RegressionMetrics m = new RegressionMetrics();
    for (double a : new double[] {5e9, 5e9 + 1, 5e9 + 3}) {
      m.add(a, a);
    }
    assertThat(m.mae()).isZero();
    assertThat(m.r2()).isEqualTo(1.0);
  }
}
