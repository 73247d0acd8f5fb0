package dev.strata.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The transforms of {@link FeatureSpec} on hand-checked values. */
class FeatureSpecTest {
  @Test
  void transformsInvert() {
    assertThat(FeatureSpec.symlog(0)).isZero();
    assertThat(FeatureSpec.symlog(-Math.E + 1)).isCloseTo(-1, within(1e-12));
    assertThat(FeatureSpec.volumeOf(FeatureSpec.logVolume(123_456_789))).isEqualTo(123_456_789);
    assertThat(FeatureSpec.volumeOf(-5)).isZero();
    assertThat(FeatureSpec.volumeOf(1e6)).isEqualTo(Long.MAX_VALUE);
  }
}
