package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyedSampleTest {
  @Test
  void sameSampleInAnyOrderOfExactSizeAndUniform() {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(i);
    }
    KeyedSample forward = new KeyedSample(2_000, 42);
    for (int id : ids) {
      forward.offer(Examples.key("S" + id % 97, id), new double[] {id});
    }
    Collections.shuffle(ids, new Random(1));
    KeyedSample shuffled = new KeyedSample(2_000, 42);
    for (int id : ids) {
      shuffled.offer(Examples.key("S" + id % 97, id), new double[] {id});
    }
    double[][] a = forward.rows();
    double[][] b = shuffled.rows();
    assertThat(a).hasNumberOfRows(2_000);
    assertThat(b).isDeepEqualTo(a);
    // Uniform: the sampled ids average about the population's mean (49,999.5; sd of the mean of
    // 2,000 draws is about 645).
    double mean = 0;
    for (double[] r : a) {
      mean += r[0] / a.length;
    }
    assertThat(mean).isCloseTo(49_999.5, within(3_000.0));
    // Another salt, another sample.
    KeyedSample other = new KeyedSample(2_000, 43);
    for (int id : ids) {
      other.offer(Examples.key("S" + id % 97, id), new double[] {id});
    }
    assertThat(other.rows()).isNotEqualTo(a);
  }

  @Test
  void keepsEverythingWhenSmallerThanCapacity() {
    KeyedSample s = new KeyedSample(10, 1);
    for (int i = 0; i < 4; i++) {
      s.offer(Examples.key("A", i), new double[] {i});
    }
    assertThat(s.size()).isEqualTo(4);
    assertThat(s.rows()).hasNumberOfRows(4);
  }

  @Test
  void anEmptySampleTakesNothing() {
    KeyedSample s = new KeyedSample(0, 1);
    org.assertj.core.api.Assertions.assertThat(s.wouldTake(42)).isFalse();
    s.offer(42, new double[] {1});
    org.assertj.core.api.Assertions.assertThat(s.rows()).isEmpty();
  }
}
