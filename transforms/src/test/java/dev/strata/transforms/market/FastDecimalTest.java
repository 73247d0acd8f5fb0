package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.Test;

/** The fast decimal parser must agree bit for bit with the JDK parsers. */
public class FastDecimalTest {
  private static float f(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return FastDecimal.parseFloat(b, 0, b.length);
  }

  private static double d(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return FastDecimal.parseDouble(b, 0, b.length);
  }

  private static void same(String s) {
    assertEquals(s, Float.floatToRawIntBits(Float.parseFloat(s)), Float.floatToRawIntBits(f(s)));
    assertEquals(
        s, Double.doubleToRawLongBits(Double.parseDouble(s)), Double.doubleToRawLongBits(d(s)));
  }

  @Test
  public void realFileNumbers() {
    for (String s :
        new String[] {
          "38.23500061035156",
          "0.0",
          "0",
          "806400.0",
          "1574400",
          "6.281418905018654e-07",
          "0.004237719811499119",
          "1.5E10",
          "-3.25",
          "+7",
          "00012.50",
          "123456789012345678901234567890",
          "1e-400",
          "1e400",
          "4.9e-324",
          "3.4028235e38",
          "0.000000000000000000000001",
          ".5",
          "5.",
          "16777217",
          "16777216.5",
          "0.1",
          "2.2250738585072014E-308"
        }) {
      same(s);
    }
  }

  @Test
  public void randomDecimalsAgreeWithTheJdk() {
    Random r = new Random(11);
    for (int i = 0; i < 200_000; i++) {
      String s;
      switch (i % 4) {
        case 0:
          s = Double.toString((double) (float) (r.nextDouble() * Math.pow(10, r.nextInt(12) - 4)));
          break;
        case 1:
          s = Double.toString(r.nextDouble() * 1000);
          break;
        case 2:
          s = Float.toString(Float.intBitsToFloat(r.nextInt() & 0x7f7fffff));
          break;
        default:
          // decimals near float midpoints and with many digits
          s = (r.nextInt(100000)) + "." + Long.toString(Math.abs(r.nextLong()) % 100000000000L);
      }
      same(s);
    }
  }

  @Test
  public void garbageIsRejected() {
    for (String s :
        new String[] {
          "", "abc", "1.2.3", "1e", "--1", "1,5", "NaN", "Infinity", "1.5f", "2d", "0x1p3", " 1"
        }) {
      assertThrows(s, NumberFormatException.class, () -> f(s));
    }
  }
}
