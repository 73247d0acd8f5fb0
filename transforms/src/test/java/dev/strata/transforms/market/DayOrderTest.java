package dev.strata.transforms.market;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** {@link DayOrder}: sorted by (day, position), the first row of a date kept. */
public class DayOrderTest {
  @Test
  public void sortsAndKeepsTheFirstRowOfEachDate() {
    List<String> dropped = new ArrayList<>();
    int[] order =
        DayOrder.sortedUnique(
            new int[] {5, 3, 5, 1, 3, 99}, 5, (row, kept) -> dropped.add(row + "<" + kept));
    assertArrayEquals(new int[] {3, 1, 0}, order);
    assertEquals(List.of("4<1", "2<0"), dropped);
  }

  @Test
  public void increasingRowsStayAsTheyAre() {
    int[] order =
        DayOrder.sortedUnique(
            new int[] {1, 2, 7},
            3,
            (row, kept) -> {
              throw new AssertionError("no duplicate");
            });
    assertArrayEquals(new int[] {0, 1, 2}, order);
    assertArrayEquals(new int[0], DayOrder.sortedUnique(new int[0], 0, (r, k) -> {}));
  }
}
