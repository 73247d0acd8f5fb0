package dev.strata.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Scaling}'s standardisation and its inverse. */
class ScalingTest {
  @Test
  void targetRoundTripsToTheVolume() {
    Scaling s = new Scaling(new double[] {1, 2}, new double[] {3, 4}, 10, 2);
    assertThat(s.volume(s.target(5_000_000))).isEqualTo(5_000_000);
  }
}
