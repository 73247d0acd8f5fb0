package dev.strata.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-checked examples for the metrics, the lag, the split and the transforms. */
class MathTest {
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

  @Test
  void examplesUseThePreviousRowsFeatures() throws Exception {
    double nan = Double.NaN;
    FeatureSource source =
        v ->
            v.visit(
                "A",
                new int[] {1, 2, 3, 4},
                new double[] {nan, 10, 20, 30},
                new double[] {nan, 1, 2, 3},
                new long[] {100, 200, 300, 400});
    List<double[]> got = new ArrayList<>();
    Examples.Counts c =
        Examples.scan(
            source, (key, day, vma, med, vol) -> got.add(new double[] {day, vma, med, vol}));
    // Row 0 has no previous row, row 1's previous features are null (warm-up).
    assertThat(c.rows).isEqualTo(4);
    assertThat(c.examples).isEqualTo(2);
    assertThat(c.firstRow).isEqualTo(1);
    assertThat(c.warmup).isEqualTo(1);
    assertThat(c.rows).isEqualTo(c.examples + c.excluded());
    assertThat(got.get(0)).containsExactly(3, 10, 1, 300);
    assertThat(got.get(1)).containsExactly(4, 20, 2, 400);
  }

  @Test
  void splitPutsTheLatestFifthInTest() {
    TimeSplit.DayHistogram h = new TimeSplit.DayHistogram();
    int d0 = (int) LocalDate.of(2020, 1, 1).toEpochDay();
    for (int d = 0; d < 100; d++) {
      for (int r = 0; r < 10; r++) {
        h.add(d0 + d);
      }
    }
    TimeSplit s = h.split(0.1, 0.2);
    assertThat(s.testStart).isEqualTo(d0 + 80);
    assertThat(s.validationStart).isEqualTo(d0 + 70);
    assertThat(s.trainRows).isEqualTo(700);
    assertThat(s.validationRows).isEqualTo(100);
    assertThat(s.testRows).isEqualTo(200);
    assertThat(s.partOf(d0 + 69)).isEqualTo(TimeSplit.Part.TRAIN);
    assertThat(s.partOf(d0 + 70)).isEqualTo(TimeSplit.Part.VALIDATION);
    assertThat(s.partOf(d0 + 80)).isEqualTo(TimeSplit.Part.TEST);
  }

  @Test
  void splitNeverDividesADay() {
    TimeSplit.DayHistogram h = new TimeSplit.DayHistogram();
    // Three days with 50, 30 and 20 rows: test = the last day (20 %), validation = the one before
    // (30 % > 10 %, but a day is never divided), training = the first.
    int[] rows = {50, 30, 20};
    for (int d = 0; d < 3; d++) {
      for (int r = 0; r < rows[d]; r++) {
        h.add(d);
      }
    }
    TimeSplit s = h.split(0.1, 0.2);
    assertThat(s.trainRows).isEqualTo(50);
    assertThat(s.validationRows).isEqualTo(30);
    assertThat(s.testRows).isEqualTo(20);
  }

  @Test
  void transformsInvert() {
    assertThat(FeatureSpec.symlog(0)).isZero();
    assertThat(FeatureSpec.symlog(-Math.E + 1)).isCloseTo(-1, within(1e-12));
    assertThat(FeatureSpec.volumeOf(FeatureSpec.logVolume(123_456_789))).isEqualTo(123_456_789);
    assertThat(FeatureSpec.volumeOf(-5)).isZero();
    assertThat(FeatureSpec.volumeOf(1e6)).isEqualTo(Long.MAX_VALUE);
    Scaling s = new Scaling(new double[] {1, 2}, new double[] {3, 4}, 10, 2);
    assertThat(s.volume(s.target(5_000_000))).isEqualTo(5_000_000);
  }
}
