package dev.strata.transforms.sensors;

import java.io.Serializable;

/**
 * How runs are put on a time grid.
 *
 * @param stepNanos the grid step (default 10 ms, the load cells' rate)
 * @param maxGapNanos the longest gap between two readings of a signal that interpolation bridges; 0
 *     means "auto": {@value #AUTO_FACTOR} times that signal's median sampling interval, so that a
 *     signal sampled every 12 ms is not bridged over 60 ms and one resampled every 1.667 s is
 *     bridged over its own spacing
 */
public record AlignSpec(long stepNanos, long maxGapNanos) implements Serializable {
  public static final int AUTO_FACTOR = 5;

  public AlignSpec {
    if (stepNanos <= 0) {
      throw new IllegalArgumentException("the grid step must be positive, but was " + stepNanos);
    }
    if (maxGapNanos < 0) {
      throw new IllegalArgumentException("the gap limit must be >= 0, but was " + maxGapNanos);
    }
  }

  public static AlignSpec defaults() {
    return new AlignSpec(10_000_000L, 0);
  }

  /** {@code 10ms}, {@code 1.5s}, {@code 250us} or a number of milliseconds to nanoseconds. */
  public static long parseDuration(String text, String name) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    double factor;
    String number;
    if (t.endsWith("ms")) {
      factor = 1e6;
      number = t.substring(0, t.length() - 2);
    } else if (t.endsWith("us")) {
      factor = 1e3;
      number = t.substring(0, t.length() - 2);
    } else if (t.endsWith("ns")) {
      factor = 1;
      number = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      factor = 1e9;
      number = t.substring(0, t.length() - 1);
    } else {
      factor = 1e6;
      number = t;
    }
    try {
      double v = Double.parseDouble(number.trim()) * factor;
      if (v >= 0 && v < 1e18) {
        return Math.round(v);
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException(
        name + " must be a duration like 10ms, 2s or 250us, but was '" + text + "'");
  }
}
