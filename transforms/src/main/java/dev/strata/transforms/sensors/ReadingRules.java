package dev.strata.transforms.sensors;

import java.io.Serializable;

/**
 * What a valid reading is, beyond its syntax: the physical bounds of positions (mm) and forces (N).
 * The real sample's encoders stay within x 693..3298, y 316..1233, z −772..−2 mm and its load cells
 * within −1848..875 N; the defaults (±10,000 mm, ±10,000 N) reject only values no cell of this kind
 * can produce, such as sign or unit errors by orders of magnitude.
 */
public final class ReadingRules implements Serializable {
  private static final long serialVersionUID = 1L;

  public final double positionMin;
  public final double positionMax;
  public final double forceMin;
  public final double forceMax;

  public ReadingRules(double positionMin, double positionMax, double forceMin, double forceMax) {
    if (!(positionMin < positionMax) || !(forceMin < forceMax)) {
      throw new IllegalArgumentException(
          "bounds must be increasing: positions "
              + positionMin
              + ".."
              + positionMax
              + ", forces "
              + forceMin
              + ".."
              + forceMax);
    }
    this.positionMin = positionMin;
    this.positionMax = positionMax;
    this.forceMin = forceMin;
    this.forceMax = forceMax;
  }

  public static ReadingRules defaults() {
    return new ReadingRules(-10_000, 10_000, -10_000, 10_000);
  }

  /** No bounds: for re-reading data that was already checked. */
  public static ReadingRules unbounded() {
    return new ReadingRules(
        Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
  }

  /** {@code "lo,hi"} to two numbers. */
  public static double[] parseRange(String text, String name) {
    String[] p = text.split(",");
    try {
      if (p.length == 2) {
        return new double[] {Double.parseDouble(p[0].trim()), Double.parseDouble(p[1].trim())};
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException(name + " must be 'min,max', but was '" + text + "'");
  }

  boolean inBounds(Signal s, double v) {
    return s.isForce() ? v >= forceMin && v <= forceMax : v >= positionMin && v <= positionMax;
  }
}
