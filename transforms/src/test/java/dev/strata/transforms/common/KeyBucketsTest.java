package dev.strata.transforms.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.Test;

/**
 * {@link KeyBuckets}: fixed buckets (by hand from String.hashCode and the mix), an even spread of
 * ticker-like keys, and a regroup that does not depend on delivery order.
 */
public class KeyBucketsTest {
  @Test
  public void bucketsAreFixedBySpecifiedHashes() {
    // by hand: h = s.hashCode(); h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; floorMod(h, 64)
    assertEquals(44, KeyBuckets.of("AAPL", 64)); // h = -545670868
    assertEquals(24, KeyBuckets.of("A", 64)); // h = 14574552
    assertEquals(11, KeyBuckets.of("ZYXI", 64)); // h = 346167947
    assertEquals(0, KeyBuckets.of("AAPL", 1));
    assertThrows(IllegalArgumentException.class, () -> KeyBuckets.of("A", 0));
  }

  @Test
  public void tickerLikeKeysSpreadEvenly() {
    int buckets = KeyBuckets.DEFAULT;
    int[] count = new int[buckets];
    int keys = 0;
    for (char a = 'A'; a <= 'Z'; a++) {
      for (char b = 'A'; b <= 'Z'; b++) {
        for (char c = 'A'; c <= 'Z'; c += 3) { // 26 * 26 * 9 = 6,084 three-letter tickers
          int k = KeyBuckets.of("" + a + b + c, buckets);
          assertTrue(k >= 0 && k < buckets);
          count[k]++;
          keys++;
        }
      }
    }
    double mean = (double) keys / buckets;
    for (int k = 0; k < buckets; k++) {
      assertTrue("bucket " + k + " has " + count[k] + " of mean " + mean, count[k] > mean * 0.7);
      assertTrue("bucket " + k + " has " + count[k] + " of mean " + mean, count[k] < mean * 1.3);
    }
  }

  @Test
  public void regroupOrdersKeysAndKeepsDeliveryOrderWithinAKey() {
    SortedMap<String, List<String>> g =
        KeyBuckets.regroup(List.of("b1", "a1", "b2", "c1", "a2"), v -> v.substring(0, 1));
    assertEquals(List.of("a", "b", "c"), List.copyOf(g.keySet()));
    assertEquals(Map.of("a", List.of("a1", "a2"), "b", List.of("b1", "b2"), "c", List.of("c1")), g);
  }
}
