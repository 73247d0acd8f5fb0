package dev.strata.transforms.market;

import java.io.Serializable;
import java.util.Locale;

/**
 * Which rows a rolling feature covers.
 *
 * <ul>
 *   <li>{@code rows(30)} (the default, written {@code 30}): the current row and the 29 previous
 *       trading rows of the symbol; null until 30 rows exist.
 *   <li>{@code days(30)} (written {@code 30d}): the rows whose date lies in the 30 calendar days
 *       ending on the current row's date, {@code [date - 29, date]}; null until the symbol's
 *       history reaches back that far (its first date is on or before {@code date - 29}). The same
 *       as SQL's {@code RANGE BETWEEN INTERVAL 29 DAYS PRECEDING AND CURRENT ROW} once non-null.
 * </ul>
 */
public final class WindowSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int length;
  private final boolean calendarDays;

  /**
   * The longest window, in rows or days: a window's volumes are summed exactly in an int64, which
   * holds 9,000 of the largest accepted volume ({@link BarRowRules#MAX_VOLUME}); a longer one would
   * also hold more history per symbol than the data has (about 58 years of trading days).
   */
  public static final int MAX_LENGTH = 9_000;

  private WindowSpec(int length, boolean calendarDays) {
    if (length < 1 || length > MAX_LENGTH) {
      throw outOfRange(Integer.toString(length));
    }
    this.length = length;
    this.calendarDays = calendarDays;
  }

  public static WindowSpec rows(int length) {
    return new WindowSpec(length, false);
  }

  public static WindowSpec days(int length) {
    return new WindowSpec(length, true);
  }

  /** Parses {@code 30} (rows) or {@code 30d} (calendar days). */
  public static WindowSpec parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("d")) {
        return days(Integer.parseInt(t.substring(0, t.length() - 1)));
      }
      return rows(Integer.parseInt(t));
    } catch (NumberFormatException e) {
      throw outOfRange(text); // also a number too long for an int: 99999999999
    } catch (IllegalArgumentException e) {
      throw outOfRange(text);
    }
  }

  private static IllegalArgumentException outOfRange(String given) {
    return new IllegalArgumentException(
        "--window must be N (trading rows) or Nd (calendar days) with N in 1.."
            + MAX_LENGTH
            + ", not '"
            + given
            + "'; see --help");
  }

  public int length() {
    return length;
  }

  public boolean isCalendarDays() {
    return calendarDays;
  }

  @Override
  public String toString() {
    return calendarDays ? length + "d" : Integer.toString(length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WindowSpec
        && ((WindowSpec) o).length == length
        && ((WindowSpec) o).calendarDays == calendarDays;
  }

  @Override
  public int hashCode() {
    return length * 2 + (calendarDays ? 1 : 0);
  }
}
