package dev.strata.transforms.common;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Groups by a bucket of keys instead of by key: a {@code GroupByKey} after {@link #byBucketOf}
 * gives one element per bucket, and the DoFn after it takes the bucket apart again with {@link
 * #regroup}.
 *
 * <p>Why: the DirectRunner makes one bundle of each key a {@code GroupByKey} outputs, and pays for
 * every bundle at every transform after it until the next shuffle (it translates each ParDo to its
 * proto, serialising the DoFn, and walks the whole pipeline to choose its checks). With one key per
 * symbol that is 8,049 bundles per transform at full scale, 18 times Flink's time in all; with a
 * fixed number of buckets it is that number. Flink and Dataflow group just as well by bucket: the
 * shuffle is the same, and a bucket of {@link #DEFAULT} at full scale holds about 0.4 M rows.
 *
 * <p>The hash is {@link String#hashCode}, whose value the Java specification fixes, so a key lands
 * in the same bucket on every JVM and run; the result of a transform never depends on the bucket,
 * only the way its output is cut into bundles (and files) does.
 */
public final class KeyBuckets {
  /** Buckets a transform uses unless told otherwise. */
  public static final int DEFAULT = 64;

  private KeyBuckets() {}

  /** The bucket of {@code key}, in {@code [0, buckets)}. */
  public static int of(String key, int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be at least 1, not " + buckets);
    }
    int h = key.hashCode();
    h ^= h >>> 16; // the low bits of a String hash alone spread short keys poorly
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return Math.floorMod(h, buckets);
  }

  /**
   * Keys each value by the bucket of its {@code key} among {@link #DEFAULT} buckets: the step
   * before the {@code GroupByKey}.
   */
  public static <T> WithKeys<Integer, T> byBucketOf(SerializableFunction<T, String> key) {
    return WithKeys.<Integer, T>of(v -> of(key.apply(v), DEFAULT))
        .withKeyType(TypeDescriptors.integers());
  }

  /**
   * The values of one bucket by key, in key order (so what a DoFn outputs from a bucket does not
   * depend on the order the runner delivered it in); each key's values in delivery order.
   */
  public static <T> SortedMap<String, List<T>> regroup(
      Iterable<T> values, Function<? super T, String> key) {
    SortedMap<String, List<T>> out = new TreeMap<>();
    for (T v : values) {
      out.computeIfAbsent(key.apply(v), k -> new ArrayList<>()).add(v);
    }
    return out;
  }
}
