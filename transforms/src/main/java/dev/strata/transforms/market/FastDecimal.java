package dev.strata.transforms.market;

import java.nio.charset.StandardCharsets;

/**
 * Parses decimal numbers straight from the bytes of a CSV line, correctly rounded.
 *
 * <p>The fast path (Clinger's): when the significand has at most 15-16 digits and the decimal
 * exponent is small, {@code significand / 10^k} is one correctly rounded IEEE operation. Everything
 * else (more digits, large exponents) falls back to the JDK parser, so the result always equals
 * {@link Double#parseDouble}/{@link Float#parseFloat} of the same text; the property test checks
 * this on random inputs. Unlike the JDK, only plain decimals are numbers: no {@code NaN}, {@code
 * Infinity}, hex, type suffixes or spaces. This matters because the market CSVs hold ~140 M numbers
 * and the JDK 17 parsers cost ~150 ns each.
 */
public final class FastDecimal {
  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  private FastDecimal() {}

  /**
   * Parses {@code b[from, to)} as a double; throws {@link NumberFormatException} if it is not one.
   */
  public static double parseDouble(byte[] b, int from, int to) {
    double fast = scan(b, from, to, true);
    if (!Double.isNaN(fast)) {
      return fast;
    }
    return Double.parseDouble(strictText(b, from, to));
  }

  /**
   * Parses {@code b[from, to)} as a float, rounded once from the decimal (like Float.parseFloat).
   */
  public static float parseFloat(byte[] b, int from, int to) {
    double approx = scan(b, from, to, false);
    if (!Double.isNaN(approx)) {
      // approx is within ~2 ulps (of a double) of the decimal's exact value. A float has 29 fewer
      // mantissa bits, so rounding approx to float gives the correctly rounded float unless approx
      // lies within a few double ulps of the midpoint between two floats; then ask the JDK. Normal
      // floats only: subnormals and overflow take the slow path too.
      long bits = Double.doubleToRawLongBits(approx);
      long belowFloat = bits & 0x1FFFFFFFL;
      double magnitude = Math.abs(approx);
      if (Math.abs(belowFloat - 0x10000000L) > 16
          && (magnitude == 0 || (magnitude > 1e-37 && magnitude < 3e38))) {
        return (float) approx;
      }
    }
    return Float.parseFloat(strictText(b, from, to));
  }

  /**
   * Reads {@code [sign] digits [. digits] [e|E [sign] digits]} with up to 19 significant digits and
   * computes {@code significand * 10^e} for {@code |e| <= 22} with at most two roundings (the
   * significand to double, then one multiplication or division by an exact power of ten), so the
   * result is within ~1 ulp. With {@code exact}, only inputs where both steps are exact or rounded
   * once are accepted (significand at most 2^53: Clinger's fast path), so the result is the
   * correctly rounded double. NaN when the input is outside these bounds or not a number.
   */
  private static double scan(byte[] b, int from, int to, boolean exact) {
    int i = from;
    if (i >= to) {
      return Double.NaN;
    }
    boolean negative = false;
    if (b[i] == '-' || b[i] == '+') {
      negative = b[i] == '-';
      i++;
    }
    long significand = 0;
    int digits = 0;
    int fractionDigits = 0;
    boolean seenDot = false;
    boolean any = false;
    for (; i < to; i++) {
      byte c = b[i];
      if (c >= '0' && c <= '9') {
        any = true;
        if (significand == 0 && c == '0') {
          if (seenDot) {
            fractionDigits++;
          }
          continue; // leading zeros are not significant
        }
        if (++digits > 19) {
          return Double.NaN;
        }
        significand = significand * 10 + (c - '0');
        if (seenDot) {
          fractionDigits++;
        }
      } else if (c == '.' && !seenDot) {
        seenDot = true;
      } else {
        break;
      }
    }
    if (!any || significand < 0) {
      return Double.NaN;
    }
    int exponent = 0;
    if (i < to) {
      if (b[i] != 'e' && b[i] != 'E') {
        return Double.NaN;
      }
      i++;
      boolean expNegative = false;
      if (i < to && (b[i] == '-' || b[i] == '+')) {
        expNegative = b[i] == '-';
        i++;
      }
      if (i >= to) {
        return Double.NaN;
      }
      for (; i < to; i++) {
        byte c = b[i];
        if (c < '0' || c > '9' || exponent > 1000) {
          return Double.NaN;
        }
        exponent = exponent * 10 + (c - '0');
      }
      if (expNegative) {
        exponent = -exponent;
      }
    }
    if (exact && significand > (1L << 53)) {
      return Double.NaN;
    }
    int e10 = exponent - fractionDigits;
    double value;
    if (significand == 0) {
      value = 0;
    } else if (e10 == 0) {
      value = significand;
    } else if (e10 < 0 && -e10 <= 22) {
      value = significand / POW10[-e10];
    } else if (e10 > 0 && e10 <= 22) {
      value = significand * POW10[e10];
    } else {
      return Double.NaN;
    }
    return negative ? -value : value;
  }

  /** True if the text uses an exponent ({@code 6.28e-07}). */
  public static boolean hasExponent(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == 'e' || b[i] == 'E') {
        return true;
      }
    }
    return false;
  }

  /**
   * The text for the JDK parser, which is laxer than CSV numbers should be: it accepts {@code
   * 1.5f}, {@code 0x1p3}, {@code NaN}, {@code Infinity} and surrounding spaces. Only digits, sign,
   * dot and exponent are let through.
   */
  private static String strictText(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
        throw new NumberFormatException("not a decimal number: '" + text(b, from, to) + "'");
      }
    }
    return text(b, from, to);
  }

  static String text(byte[] b, int from, int to) {
    return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
  }
}
