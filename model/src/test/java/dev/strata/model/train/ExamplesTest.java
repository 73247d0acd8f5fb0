package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lag of {@link Examples}: day t's volume from the features of day t-1. */
class ExamplesTest {
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
}
