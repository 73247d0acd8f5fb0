package dev.strata.pipelines.market;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipelines.launcher.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.util.zip.CRC32C;

/**
 * What the ingest manifest records of each bar file beyond its size and time, so the next run can
 * tell a file that only grew from one that changed: how many bytes were ingested, their CRC-32C,
 * how many lines they hold and whether they end with a newline, and the last date ({@code
 * last_day}, an epoch day) the file's symbol has in {@code raw/}.
 *
 * <p>A grown file is one whose first {@code ingested_bytes} bytes still have the recorded checksum
 * and that ended with a newline: its new rows are the whole lines after them. A last line without
 * its newline yet (a file caught mid-write) is left for the next run.
 */
record BarFileScan(long ingestedBytes, String crc32c, long lines, boolean endsWithNewline) {
  /** No symbol date yet: every appended date is after it. */
  static final int NO_DAY = Integer.MIN_VALUE;

  /** The bytes read at a time: one buffer per scanning thread, whatever the file's size. */
  static final int CHUNK = 1 << 20;

  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[CHUNK]);

  /** A file ingested whole, read from {@code ch} (from its start) a chunk at a time. */
  static BarFileScan whole(SeekableByteChannel ch) {
    try {
      CRC32C crc = new CRC32C();
      long[] lines = new long[1];
      ch.position(0);
      int last = stream(ch, ch.size(), crc, lines);
      return new BarFileScan(ch.size(), hex(crc), lines[0], last == '\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The file {@code ch} reads after {@code before} was ingested: its record once the complete lines
   * after {@code before}'s bytes are ingested too; null if those bytes are not there any more, do
   * not have their checksum, or did not end a line (the file changed otherwise). The ingested
   * prefix is only checksummed (its lines are on record); only the bytes after it are searched for
   * lines.
   */
  static BarFileScan grown(SeekableByteChannel ch, BarFileScan before) {
    try {
      long size = ch.size();
      if (size < before.ingestedBytes || !before.endsWithNewline) {
        return null;
      }
      CRC32C crc = new CRC32C();
      ch.position(0);
      stream(ch, before.ingestedBytes, crc, null);
      if (!hex(crc).equals(before.crc32c)) {
        return null;
      }
      long end = lastLineEnd(ch, before.ingestedBytes, size);
      long[] lines = {before.lines};
      ch.position(before.ingestedBytes);
      stream(ch, end - before.ingestedBytes, crc, lines);
      return new BarFileScan(end, hex(crc), lines[0], true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads {@code length} bytes of {@code ch} from its position into {@code crc}, counting their
   * newlines into {@code lines[0]} unless {@code lines} is null; the last byte read, or -1.
   */
  private static int stream(SeekableByteChannel ch, long length, CRC32C crc, long[] lines)
      throws IOException {
    byte[] buf = BUFFER.get();
    ByteBuffer bb = ByteBuffer.wrap(buf);
    long left = length;
    int last = -1;
    while (left > 0) {
      bb.clear().limit((int) Math.min(buf.length, left));
      int n = ch.read(bb);
      if (n < 0) {
        throw new IOException("the file ended while it was read (it shrank meanwhile)");
      }
      crc.update(buf, 0, n);
      if (lines != null) {
        lines[0] += newlines(buf, 0, n);
      }
      if (n > 0) {
        last = buf[n - 1] & 0xff;
      }
      left -= n;
    }
    return last;
  }

  /**
   * The end of the last complete line in {@code [from, size)} of {@code ch} (just after its
   * newline), or {@code from} if there is none: read backwards from the end, usually one byte.
   */
  private static long lastLineEnd(SeekableByteChannel ch, long from, long size) throws IOException {
    byte[] buf = BUFFER.get();
    long hi = size;
    while (hi > from) {
      int n = (int) Math.min(buf.length, hi - from);
      ch.position(hi - n);
      ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
      while (bb.hasRemaining()) {
        if (ch.read(bb) < 0) {
          throw new IOException("the file ended while it was read (it shrank meanwhile)");
        }
      }
      for (int i = n - 1; i >= 0; i--) {
        if (buf[i] == '\n') {
          return hi - n + i + 1;
        }
      }
      hi -= n;
    }
    return from;
  }

  /** The recorded fields, as a manifest input entry holds them; null if it holds none. */
  static BarFileScan of(JsonNode entry) {
    if (!entry.has("crc32c")) {
      return null;
    }
    return new BarFileScan(
        entry.path("ingested_bytes").asLong(),
        entry.path("crc32c").asText(),
        entry.path("lines").asLong(),
        entry.path("ends_with_newline").asBoolean());
  }

  /** The fields to record in the manifest, with the symbol's last date. */
  ObjectNode toJson(int lastDay) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("ingested_bytes", ingestedBytes)
        .put("crc32c", crc32c)
        .put("lines", lines)
        .put("ends_with_newline", endsWithNewline);
    if (lastDay != NO_DAY) {
      n.put("last_day", lastDay);
    }
    return n;
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;
  private static final long LOW7 = 0x7f7f7f7f7f7f7f7fL;

  /** The newlines in {@code b[from, to)}: eight bytes at a time (a byte is exactly 0 when x^NL). */
  static long newlines(byte[] b, int from, int to) {
    long n = 0;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long x = (long) LONGS.get(b, i) ^ NEWLINES;
      // the high bit of each byte of y is set exactly where x has a zero byte
      long y = ~(((x & LOW7) + LOW7) | x | LOW7);
      n += Long.bitCount(y);
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        n++;
      }
    }
    return n;
  }

  private static String hex(CRC32C crc) {
    return String.format("%08x", crc.getValue());
  }
}
