package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.Test;

/**
 * The rolling math against a brute-force reference: for every row, copy the window, sort it, take
 * the middle. Thousands of random sequences, with many ties, window sizes 1, 2, 30 and others, and
 * sequences shorter than the window.
 */
public class RollingWindowTest {

  /** Brute force: mean and median of values[from..to], by copying and sorting. */
  private static double[] reference(long[] vol, double[] val, int from, int to) {
    double[] w = Arrays.copyOfRange(val, from, to + 1);
    Arrays.sort(w);
    int n = w.length;
    double median = n % 2 == 1 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
    long sum = 0;
    for (int i = from; i <= to; i++) {
      sum += vol[i];
    }
    return new double[] {(double) sum / n, median};
  }

  @Test
  public void rowWindowMatchesBruteForceOnRandomSequences() {
    Random r = new Random(42);
    int[] sizes = {1, 2, 3, 5, 29, 30, 31, 64};
    for (int trial = 0; trial < 4000; trial++) {
      int size = sizes[trial % sizes.length];
      int n = r.nextInt(trial % 7 == 0 ? size + 1 : 200); // often shorter than the window
      boolean ties = trial % 3 == 0;
      long[] vol = new long[n];
      double[] val = new double[n];
      for (int i = 0; i < n; i++) {
        vol[i] = r.nextInt(5) == 0 ? 0 : (long) (r.nextDouble() * 5e9);
        val[i] = ties ? r.nextInt(4) : r.nextDouble() * 1000 - 100;
      }
      RollingWindow w = new RollingWindow(size);
      for (int i = 0; i < n; i++) {
        if (w.size() == size) {
          w.evictOldest();
        }
        w.add(vol[i], val[i]);
        double[] expected = reference(vol, val, Math.max(0, i - size + 1), i);
        assertEquals("mean, trial " + trial + " row " + i, expected[0], w.meanVolume(), 0.0);
        assertEquals("median, trial " + trial + " row " + i, expected[1], w.medianAdjClose(), 0.0);
      }
    }
  }

  @Test
  public void evictionInAnyPatternKeepsTheMedian() {
    // variable window sizes: evict 0..3 values before each add (calendar windows do this)
    Random r = new Random(7);
    for (int trial = 0; trial < 1000; trial++) {
      int cap = 1 + r.nextInt(40);
      RollingWindow w = new RollingWindow(cap);
      int n = 300;
      long[] vol = new long[n];
      double[] val = new double[n];
      int oldest = 0;
      for (int i = 0; i < n; i++) {
        vol[i] = r.nextInt(1000);
        val[i] = r.nextInt(3) == 0 ? 1.5 : r.nextGaussian();
        int evict = Math.min(w.size(), r.nextInt(4));
        if (w.size() == cap) {
          evict = Math.max(evict, 1);
        }
        for (int e = 0; e < evict; e++) {
          w.evictOldest();
          oldest++;
        }
        w.add(vol[i], val[i]);
        double[] expected = reference(vol, val, oldest, i);
        assertEquals(expected[0], w.meanVolume(), 1e-9 * Math.max(1, Math.abs(expected[0])));
        assertEquals(expected[1], w.medianAdjClose(), 0.0);
      }
    }
  }

  @Test
  public void medianOfThirtyIsTheMeanOfTheFifteenthAndSixteenth() {
    RollingWindow w = new RollingWindow(30);
    for (int i = 1; i <= 30; i++) {
      w.add(i * 10L, 31 - i); // values 30, 29, ..., 1
    }
    assertEquals(15.5, w.medianAdjClose(), 0.0); // (15 + 16) / 2
    assertEquals(155.0, w.meanVolume(), 0.0); // mean of 10..300
  }

  @Test
  public void rejectsMisuse() {
    assertThrows(IllegalArgumentException.class, () -> new RollingWindow(0));
    RollingWindow w = new RollingWindow(1);
    assertThrows(IllegalStateException.class, w::medianAdjClose);
    assertThrows(IllegalStateException.class, w::evictOldest);
    w.add(1, 1);
    assertThrows(IllegalStateException.class, () -> w.add(2, 2));
  }

  // ---------------------------------------------------------------- RollingFeatures.compute

  private static BarSeries series(int[] days, double[] adj, long[] vol) {
    BarSeries.Builder b = BarSeries.builder("S", "S Inc", "test");
    for (int i = 0; i < days.length; i++) {
      b.add(days[i], 1f, 1f, 1f, 1f, (float) adj[i], vol[i]);
    }
    return b.build();
  }

  @Test
  public void computeRowsWindowIsNullUntilFullThenMatchesBruteForce() {
    Random r = new Random(3);
    for (int trial = 0; trial < 500; trial++) {
      int size = new int[] {1, 2, 30}[trial % 3];
      int n = r.nextInt(100);
      int[] days = new int[n];
      double[] adj = new double[n];
      long[] vol = new long[n];
      int day = 10_000;
      for (int i = 0; i < n; i++) {
        day += 1 + r.nextInt(4);
        days[i] = day;
        adj[i] = (float) (r.nextInt(3) == 0 ? 10 : r.nextDouble() * 50); // float like the column
        vol[i] = r.nextInt(1_000_000);
      }
      BarSeries out = RollingFeatures.compute(series(days, adj, vol), WindowSpec.rows(size));
      for (int i = 0; i < n; i++) {
        if (i + 1 < size) {
          assertNull(out.volMovingAvg(i));
          assertNull(out.adjCloseRollingMed(i));
        } else {
          double[] expected = reference(vol, adj, i - size + 1, i);
          assertEquals(expected[0], out.volMovingAvg(i), 0.0);
          assertEquals(expected[1], out.adjCloseRollingMed(i), 0.0);
        }
      }
    }
  }

  @Test
  public void computeCalendarWindowCoversTheLastThirtyDays() {
    Random r = new Random(5);
    for (int trial = 0; trial < 500; trial++) {
      int length = new int[] {1, 2, 30}[trial % 3];
      int n = r.nextInt(80);
      int[] days = new int[n];
      double[] adj = new double[n];
      long[] vol = new long[n];
      int day = 20_000;
      for (int i = 0; i < n; i++) {
        day += 1 + (r.nextInt(10) == 0 ? r.nextInt(40) : r.nextInt(3)); // gaps, some long
        days[i] = day;
        adj[i] = (float) (r.nextDouble() * 50);
        vol[i] = r.nextInt(1_000_000);
      }
      BarSeries out = RollingFeatures.compute(series(days, adj, vol), WindowSpec.days(length));
      for (int i = 0; i < n; i++) {
        int from = days[i] - (length - 1);
        if (n == 0 || days[0] > from) {
          assertNull("row " + i, out.volMovingAvg(i));
          continue;
        }
        int first = i;
        while (first > 0 && days[first - 1] >= from) {
          first--;
        }
        double[] expected = reference(vol, adj, first, i);
        assertEquals(expected[0], out.volMovingAvg(i), 0.0);
        assertEquals(expected[1], out.adjCloseRollingMed(i), 0.0);
      }
    }
  }

  @Test
  public void computeRefusesUnsortedOrDuplicateDates() {
    BarSeries dup = series(new int[] {5, 5}, new double[] {1, 2}, new long[] {1, 2});
    assertThrows(
        IllegalArgumentException.class, () -> RollingFeatures.compute(dup, WindowSpec.rows(2)));
    BarSeries back = series(new int[] {6, 5}, new double[] {1, 2}, new long[] {1, 2});
    assertThrows(
        IllegalArgumentException.class, () -> RollingFeatures.compute(back, WindowSpec.rows(2)));
  }

  @Test
  public void windowSpecParses() {
    assertEquals(WindowSpec.rows(30), WindowSpec.parse("30"));
    assertEquals(WindowSpec.days(30), WindowSpec.parse("30d"));
    assertEquals("30d", WindowSpec.parse(" 30D ").toString());
    assertThrows(IllegalArgumentException.class, () -> WindowSpec.parse("0"));
    assertThrows(IllegalArgumentException.class, () -> WindowSpec.parse("thirty"));
    // bounded: an int64 sum holds 9,000 of the largest accepted volumes
    assertEquals(WindowSpec.rows(9_000), WindowSpec.parse("9000"));
    assertEquals(WindowSpec.days(9_000), WindowSpec.parse("9000d"));
    for (String tooLong : new String[] {"9001", "9001d", "2000000000", "99999999999"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> WindowSpec.parse(tooLong));
      assertTrue(e.getMessage(), e.getMessage().contains("N in 1..9000, not '" + tooLong + "'"));
    }
  }
}
