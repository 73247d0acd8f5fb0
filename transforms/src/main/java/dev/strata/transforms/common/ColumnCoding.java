package dev.strata.transforms.common;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.coders.CoderException;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The building blocks of the columnar elements' custom coders: strings and primitive arrays as a
 * length followed by packed big-endian values. Deterministic: equal values give equal bytes (a
 * double is written as {@link Double#doubleToLongBits}, so every NaN is the same NaN, as {@code
 * Arrays.equals} sees it). A null array is written as length -1.
 */
public final class ColumnCoding {
  private ColumnCoding() {}

  public static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  public static String readString(DataInputStream in) throws IOException {
    int len = length(in);
    if (len < 0) {
      throw new CoderException("negative string length " + len);
    }
    byte[] b = new byte[len];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  public static void writeNullableString(DataOutputStream out, @Nullable String s)
      throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      writeString(out, s);
    }
  }

  public static @Nullable String readNullableString(DataInputStream in) throws IOException {
    return in.readBoolean() ? readString(in) : null;
  }

  public static void writeStrings(DataOutputStream out, String[] s) throws IOException {
    out.writeInt(s.length);
    for (String x : s) {
      writeString(out, x);
    }
  }

  public static String[] readStrings(DataInputStream in) throws IOException {
    int n = nonNegative(length(in));
    String[] s = new String[n];
    for (int i = 0; i < n; i++) {
      s[i] = readString(in);
    }
    return s;
  }

  public static void writeLongs(DataOutputStream out, long @Nullable [] v) throws IOException {
    if (v == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(v.length);
    ByteBuffer b = ByteBuffer.allocate(8 * v.length);
    b.asLongBuffer().put(v);
    out.write(b.array());
  }

  public static long @Nullable [] readLongs(DataInputStream in) throws IOException {
    int n = length(in);
    if (n < 0) {
      return null;
    }
    long[] v = new long[n];
    ByteBuffer.wrap(bytes(in, 8L * n)).asLongBuffer().get(v);
    return v;
  }

  public static void writeInts(DataOutputStream out, int @Nullable [] v) throws IOException {
    if (v == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(v.length);
    ByteBuffer b = ByteBuffer.allocate(4 * v.length);
    b.asIntBuffer().put(v);
    out.write(b.array());
  }

  public static int @Nullable [] readInts(DataInputStream in) throws IOException {
    int n = length(in);
    if (n < 0) {
      return null;
    }
    int[] v = new int[n];
    ByteBuffer.wrap(bytes(in, 4L * n)).asIntBuffer().get(v);
    return v;
  }

  public static void writeDoubles(DataOutputStream out, double @Nullable [] v) throws IOException {
    if (v == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(v.length);
    ByteBuffer b = ByteBuffer.allocate(8 * v.length);
    for (double x : v) {
      b.putLong(Double.doubleToLongBits(x));
    }
    out.write(b.array());
  }

  public static double @Nullable [] readDoubles(DataInputStream in) throws IOException {
    int n = length(in);
    if (n < 0) {
      return null;
    }
    double[] v = new double[n];
    ByteBuffer.wrap(bytes(in, 8L * n)).asDoubleBuffer().get(v);
    return v;
  }

  public static void writeBooleans(DataOutputStream out, boolean @Nullable [] v)
      throws IOException {
    if (v == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(v.length);
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) (v[i] ? 1 : 0);
    }
    out.write(b);
  }

  public static boolean @Nullable [] readBooleans(DataInputStream in) throws IOException {
    int n = length(in);
    if (n < 0) {
      return null;
    }
    byte[] b = bytes(in, n);
    boolean[] v = new boolean[n];
    for (int i = 0; i < n; i++) {
      v[i] = b[i] != 0;
    }
    return v;
  }

  private static int length(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < -1) {
      throw new CoderException("invalid length " + n);
    }
    return n;
  }

  private static int nonNegative(int n) throws CoderException {
    if (n < 0) {
      throw new CoderException("negative length " + n);
    }
    return n;
  }

  private static byte[] bytes(DataInputStream in, long n) throws IOException {
    if (n > Integer.MAX_VALUE) {
      throw new CoderException("an array of " + n + " bytes is too large");
    }
    byte[] b = new byte[(int) n];
    in.readFully(b);
    return b;
  }
}
