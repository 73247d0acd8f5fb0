package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShuffleOrderTest {
  @Test
  void keyOrderSortsByTheFullKey() {
    Random r = new Random(3);
    long[] keys = new long[50_000];
    for (int i = 0; i < keys.length; i++) {
      // Many keys share their high 43 bits, to exercise the tie runs.
      keys[i] = (r.nextInt(100) * (1L << 21) * 1_000_003L) ^ r.nextInt(1 << 21);
    }
    int[] order = ShuffleOrder.keyOrder(keys);
    for (int i = 1; i < order.length; i++) {
      assertThat(keys[order[i - 1]]).isLessThanOrEqualTo(keys[order[i]]);
    }
  }

  @Test
  void theOrderOfABucketDependsOnItsKeysNotOnTheOrderTheyWereSpilledIn() {
    long[] keys = {50, 10, 40, 20, 30};
    long[] reversed = {30, 20, 40, 10, 50};
    int[] a = ShuffleOrder.ofRows(keys, 7);
    int[] b = ShuffleOrder.ofRows(reversed, 7);
    long[] visitedA = new long[keys.length];
    long[] visitedB = new long[keys.length];
    for (int i = 0; i < keys.length; i++) {
      visitedA[i] = keys[a[i]];
      visitedB[i] = reversed[b[i]];
    }
    assertThat(visitedB).containsExactly(visitedA);
    assertThat(visitedA).containsExactlyInAnyOrder(10, 20, 30, 40, 50);
  }

  @Test
  void permutationIsSeededFisherYates() {
    assertThat(ShuffleOrder.permutation(6, new SplittableRandom(1)))
        .containsExactly(ShuffleOrder.permutation(6, new SplittableRandom(1)))
        .containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
    assertThat(ShuffleOrder.permutation(1, new SplittableRandom(1))).containsExactly(0);
    assertThat(ShuffleOrder.permutation(0, new SplittableRandom(1))).isEmpty();
  }
}
