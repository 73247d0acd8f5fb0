package dev.strata.transforms.warehouse;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.junit.Test;

/**
 * The checks that keep a bad value from aborting a batch's COPY: UTF-8 validation and character
 * counting against the JDK's strict decoder, and timestamp conversion against hand-computed values
 * and {@link BigDecimal} arithmetic.
 */
public class CopyEncoderTest {
  private static int chars(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return CopyEncoder.utf8Chars(b, 0, b.length);
  }

  /** The oracle: the JDK's strict UTF-8 decoder; NUL is refused as PostgreSQL refuses it. */
  private static int jdk(byte[] b) {
    try {
      String s =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(b))
              .toString();
      return s.indexOf('\0') >= 0 ? -1 : s.codePointCount(0, s.length());
    } catch (CharacterCodingException e) {
      return -1;
    }
  }

  @Test
  public void countsCharactersNotBytes() {
    assertEquals(0, chars(""));
    assertEquals(32, chars("abcdefghijklmnopqrstuvwxyzABCDEF"));
    assertEquals(5, chars("héllo"));
    assertEquals(3, chars("日本語"));
    assertEquals(2, chars("a😀"));
    assertEquals(17, chars("0123456789abcdefé"));
  }

  @Test
  public void refusesNulAndMalformedBytes() {
    assertEquals(-1, chars("abc\0def"));
    assertEquals(-1, chars("abcdefghijk\0"));
    byte[][] bad = {
      {(byte) 0xc0, (byte) 0x80}, // overlong NUL
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // a surrogate
      {'a', 'b', (byte) 0xe6, (byte) 0x97}, // cut short
      {(byte) 0xff},
      {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
    };
    for (byte[] b : bad) {
      assertEquals(-1, CopyEncoder.utf8Chars(b, 0, b.length));
    }
  }

  @Test
  public void agreesWithTheJdkDecoderOnRandomBytes() {
    Random r = new Random(7);
    byte[] alphabet = "abcXYZ09 é日😀".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 200_000; i++) {
      byte[] b = new byte[r.nextInt(40)];
      for (int k = 0; k < b.length; k++) {
        int pick = r.nextInt(100);
        b[k] =
            pick < 85
                ? alphabet[r.nextInt(alphabet.length)]
                : pick < 98 ? (byte) (0x20 + r.nextInt(0x5f)) : (byte) r.nextInt(256);
      }
      // also inside a larger array, at an offset
      byte[] padded = new byte[b.length + 5];
      System.arraycopy(b, 0, padded, 3, b.length);
      int expect = jdk(b);
      assertEquals(java.util.Arrays.toString(b), expect, CopyEncoder.utf8Chars(b, 0, b.length));
      assertEquals(expect, CopyEncoder.utf8Chars(padded, 3, b.length));
    }
  }

  private static LogicalTypeAnnotation.TimestampLogicalTypeAnnotation unit(TimeUnit u) {
    return (LogicalTypeAnnotation.TimestampLogicalTypeAnnotation)
        LogicalTypeAnnotation.timestampType(false, u);
  }

  private static long micros(long v, TimeUnit u) throws FileLoader.Rejected {
    return CopyEncoder.pgMicros(v, unit(u), 2, 0);
  }

  @Test
  public void timestampsBecomeMicrosecondsSince2000() throws Exception {
    // 2000-01-01 00:00:00 is PostgreSQL's zero; 1970-01-01 is 946,684,800 s before it.
    assertEquals(0, micros(946_684_800_000L, TimeUnit.MILLIS));
    assertEquals(-946_684_800_000_000L, micros(0, TimeUnit.MICROS));
    // 2023-01-01 00:00:00.123456 = 1,672,531,200.123456 s since 1970
    assertEquals(
        (1_672_531_200L - 946_684_800L) * 1_000_000L + 123_456,
        micros(1_672_531_200_123_456L, TimeUnit.MICROS));
    // nanoseconds round half to even, as PostgreSQL rounds text input
    long base = 1_672_531_200L * 1_000_000_000L;
    long pg = (1_672_531_200L - 946_684_800L) * 1_000_000L;
    assertEquals(pg + 1, micros(base + 1_499, TimeUnit.NANOS));
    assertEquals(pg + 2, micros(base + 1_500, TimeUnit.NANOS));
    assertEquals(pg + 2, micros(base + 2_500, TimeUnit.NANOS));
    assertEquals(pg + 3, micros(base + 2_501, TimeUnit.NANOS));
    assertEquals(-946_684_800_000_000L - 2, micros(-1_500, TimeUnit.NANOS));
  }

  @Test
  public void timestampsAgreeWithDecimalArithmetic() throws Exception {
    Random r = new Random(11);
    BigDecimal epoch = BigDecimal.valueOf(946_684_800_000_000L);
    for (int i = 0; i < 100_000; i++) {
      long v = r.nextLong() >> r.nextInt(40);
      BigDecimal us = new BigDecimal(v).divide(BigDecimal.valueOf(1000), 0, RoundingMode.HALF_EVEN);
      assertEquals(us.subtract(epoch).longValueExact(), micros(v, TimeUnit.NANOS));
    }
  }

  @Test
  public void timestampsOutsidePostgresRangeAreRejected() throws Exception {
    FileLoader.Rejected e =
        assertThrows(FileLoader.Rejected.class, () -> micros(Long.MAX_VALUE, TimeUnit.MILLIS));
    assertEquals(
        "invalid_value: row 1 column create_at is outside PostgreSQL's timestamp range ("
            + Long.MAX_VALUE
            + " MILLIS)",
        e.getMessage());
    // 4714-11-24 00:00:00 BC is PostgreSQL's first timestamp: -211,813,488,000 s from 2000
    long first = -211_813_488_000_000_000L + 946_684_800_000_000L;
    assertEquals(-211_813_488_000_000_000L, micros(first, TimeUnit.MICROS));
    assertThrows(FileLoader.Rejected.class, () -> micros(first - 1, TimeUnit.MICROS));
    assertThrows(FileLoader.Rejected.class, () -> micros(Long.MIN_VALUE, TimeUnit.MICROS));
  }
}
