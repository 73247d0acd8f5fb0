package dev.strata.model.train;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A split by date: training rows are dated before {@link #validationStart}, validation rows from it
 * up to (excluding) {@link #testStart}, test rows from {@code testStart} on. No date is in two
 * sets. The cut-offs are chosen on the per-day example counts so that the test set is the latest
 * {@code testFraction} of rows and validation the {@code validationFraction} before it, as close as
 * whole days allow (a day's rows are never divided).
 */
public final class TimeSplit {
  /** Which set a row belongs to. */
  public enum Part {
    TRAIN,
    VALIDATION,
    TEST
  }

  /** Lowest epoch day counted: 1850-01-01. */
  static final int MIN_DAY = (int) LocalDate.of(1850, 1, 1).toEpochDay();

  /** Highest epoch day counted: 2199-12-31. */
  static final int MAX_DAY = (int) LocalDate.of(2199, 12, 31).toEpochDay();

  public final int validationStart;
  public final int testStart;
  public final long trainRows;
  public final long validationRows;
  public final long testRows;
  public final int firstDay;
  public final int lastDay;

  private TimeSplit(
      int validationStart,
      int testStart,
      long trainRows,
      long validationRows,
      long testRows,
      int firstDay,
      int lastDay) {
    this.validationStart = validationStart;
    this.testStart = testStart;
    this.trainRows = trainRows;
    this.validationRows = validationRows;
    this.testRows = testRows;
    this.firstDay = firstDay;
    this.lastDay = lastDay;
  }

  public Part partOf(int epochDay) {
    if (epochDay >= testStart) {
      return Part.TEST;
    }
    return epochDay >= validationStart ? Part.VALIDATION : Part.TRAIN;
  }

  /** Counts rows per day; feed every example, then call {@link #split}. */
  public static final class DayHistogram {
    private final long[] counts = new long[MAX_DAY - MIN_DAY + 1];
    private long total;

    public void add(int epochDay) {
      if (epochDay < MIN_DAY || epochDay > MAX_DAY) {
        throw new IllegalArgumentException(
            "date " + LocalDate.ofEpochDay(epochDay) + " is outside 1850..2199");
      }
      counts[epochDay - MIN_DAY]++;
      total++;
    }

    public long total() {
      return total;
    }

    /**
     * Cut-offs such that the latest {@code testFraction} of rows form the test set and the {@code
     * validationFraction} before them the validation set. Walking back from the last day, the test
     * set starts on the day where the count reaches {@code testFraction·total}.
     *
     * @throws IllegalArgumentException if there are fewer than three distinct days
     */
    public TimeSplit split(double validationFraction, double testFraction) {
      if (!(testFraction > 0 && validationFraction > 0 && validationFraction + testFraction < 1)) {
        throw new IllegalArgumentException(
            "fractions must be positive and sum below 1, but were validation="
                + validationFraction
                + " test="
                + testFraction);
      }
      int first = -1;
      int last = -1;
      int days = 0;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          if (first < 0) {
            first = i;
          }
          last = i;
          days++;
        }
      }
      if (days < 3) {
        throw new IllegalArgumentException(
            "a time split needs examples on at least 3 distinct dates, but there were " + days);
      }
      long testTarget = atLeast(testFraction, total);
      long heldOutTarget = atLeast(testFraction + validationFraction, total);
      long cum = 0;
      int testStart = -1;
      int validationStart = -1;
      for (int i = last; i >= first; i--) {
        if (counts[i] == 0) {
          continue;
        }
        cum += counts[i];
        if (testStart < 0 && cum >= testTarget) {
          testStart = i;
        } else if (testStart >= 0 && validationStart < 0 && cum >= heldOutTarget) {
          validationStart = i;
          break;
        }
      }
      // Every set needs at least one day: move the cut-offs forward when a fraction swallowed
      // the whole range (only possible with very few dates).
      if (validationStart < 0 || validationStart == first) {
        validationStart = nextDay(first);
      }
      if (testStart <= validationStart) {
        testStart = nextDay(validationStart);
      }
      long train = 0;
      long validation = 0;
      long test = 0;
      for (int i = first; i <= last; i++) {
        if (i < validationStart) {
          train += counts[i];
        } else if (i < testStart) {
          validation += counts[i];
        } else {
          test += counts[i];
        }
      }
      return new TimeSplit(
          validationStart + MIN_DAY,
          testStart + MIN_DAY,
          train,
          validation,
          test,
          first + MIN_DAY,
          last + MIN_DAY);
    }

    /** ⌈fraction·total⌉, forgiving binary rounding (0.1 + 0.2 is 0.30000000000000004). */
    private static long atLeast(double fraction, long total) {
      return (long) Math.ceil(fraction * total - 1e-9 * Math.max(1, total));
    }

    private int nextDay(int i) {
      for (int j = i + 1; j < counts.length; j++) {
        if (counts[j] > 0) {
          return j;
        }
      }
      throw new IllegalStateException("no day after " + LocalDate.ofEpochDay(i + MIN_DAY));
    }
  }

  /**
   * {@code {"train", "validation", "test"}}, each {@code {"from", "to", "rows"}} with ISO dates,
   * for {@code metrics.json} and the metadata in {@code model.bin}.
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("train", part(firstDay, validationStart - 1, trainRows));
    m.put("validation", part(validationStart, testStart - 1, validationRows));
    m.put("test", part(testStart, lastDay, testRows));
    return m;
  }

  private static Map<String, Object> part(int from, int to, long rows) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("from", LocalDate.ofEpochDay(from).toString());
    m.put("to", LocalDate.ofEpochDay(to).toString());
    m.put("rows", rows);
    return m;
  }

  @Override
  public String toString() {
    return String.format(
        "train %s..%s (%,d rows), validation %s..%s (%,d rows), test %s..%s (%,d rows)",
        LocalDate.ofEpochDay(firstDay),
        LocalDate.ofEpochDay(validationStart - 1),
        trainRows,
        LocalDate.ofEpochDay(validationStart),
        LocalDate.ofEpochDay(testStart - 1),
        validationRows,
        LocalDate.ofEpochDay(testStart),
        LocalDate.ofEpochDay(lastDay),
        testRows);
  }
}
