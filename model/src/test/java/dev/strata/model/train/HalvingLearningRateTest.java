package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalvingLearningRateTest {
  @Test
  void halvesEveryEpochAfterTheFirst() {
    HalvingLearningRate rate = new HalvingLearningRate(0.01);
    assertThat(rate.getNewValue(1)).isEqualTo(0.01f);
    rate.startEpoch(1);
    assertThat(rate.getNewValue(500)).isEqualTo(0.01f);
    rate.startEpoch(2);
    assertThat(rate.getNewValue(501)).isEqualTo(0.005f);
    rate.startEpoch(4);
    assertThat(rate.getNewValue(1)).isEqualTo(0.00125f);
    assertThat(HalvingLearningRate.forEpoch(5e-3, 3)).isEqualTo((float) (5e-3 / 4));
  }
}
