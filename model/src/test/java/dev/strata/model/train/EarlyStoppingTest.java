package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
  @Test
  void keepsTheLowestLossAndStopsAfterPatienceEpochsWithoutOne() {
    EarlyStopping s = new EarlyStopping(2);
    assertThat(s.bestEpoch()).isZero();
    assertThat(s.improves(1, 0.5)).isTrue();
    assertThat(s.improves(2, 0.4)).isTrue();
    assertThat(s.shouldStop()).isFalse();
    assertThat(s.improves(3, 0.45)).isFalse();
    assertThat(s.shouldStop()).isFalse();
    assertThat(s.improves(4, 0.3)).isTrue();
    assertThat(s.improves(5, 0.31)).isFalse();
    assertThat(s.improves(6, 0.32)).isFalse();
    assertThat(s.shouldStop()).isTrue();
    assertThat(s.bestEpoch()).isEqualTo(4);
  }

  @Test
  void anImprovementBelowATenthOfAPercentIsNoise() {
    EarlyStopping s = new EarlyStopping(1);
    s.improves(1, 1.0);
    assertThat(s.improves(2, 0.9995)).isFalse();
    assertThat(s.shouldStop()).isTrue();
    assertThat(s.bestEpoch()).isEqualTo(1);
    assertThat(new EarlyStopping(1).improves(1, Double.NaN)).isFalse();
  }
}
