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

  @Test
  void standardisesTransformedValuesAsItsRawInputsAndTarget() {
    Scaling s = new Scaling(new double[] {1, 2}, new double[] {3, 4}, 10, 2);
    assertThat(s.standardize(0, 7)).isEqualTo(2.0);
    assertThat(s.standardize(1, 6)).isEqualTo(1.0);
    assertThat(s.standardizeTarget(14)).isEqualTo(2.0);
    assertThat(s.input(1, 5e6)).isEqualTo((float) s.standardize(1, FeatureSpec.symlog(5e6)));
    assertThat(s.target(5_000_000))
        .isEqualTo((float) s.standardizeTarget(FeatureSpec.logVolume(5_000_000)));
  }
}
