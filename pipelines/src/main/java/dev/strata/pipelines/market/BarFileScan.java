package dev.strata.pipelines.market;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipelines.launcher.Json;
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

  /** A file ingested whole. */
  static BarFileScan whole(byte[] b) {
    CRC32C crc = new CRC32C();
    crc.update(b, 0, b.length);
    return new BarFileScan(
        b.length, hex(crc), newlines(b, 0, b.length), b.length > 0 && b[b.length - 1] == '\n');
  }

  /**
   * The file {@code b} after {@code before} was ingested: its record once the complete lines after
   * {@code before}'s bytes are ingested too; null if those bytes are not there any more, do not
   * have their checksum, or did not end a line (the file changed otherwise).
   */
  static BarFileScan grown(byte[] b, BarFileScan before) {
    if (b.length < before.ingestedBytes || !before.endsWithNewline) {
      return null;
    }
    int prefix = Math.toIntExact(before.ingestedBytes);
    CRC32C crc = new CRC32C();
    crc.update(b, 0, prefix);
    if (!hex(crc).equals(before.crc32c)) {
      return null;
    }
    int end = prefix;
    for (int i = b.length - 1; i >= prefix; i--) {
      if (b[i] == '\n') {
        end = i + 1;
        break;
      }
    }
    crc.update(b, prefix, end - prefix);
    return new BarFileScan(
        end,
        hex(crc),
        before.lines + newlines(b, prefix, end),
        end == prefix || b[end - 1] == '\n');
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

  private static long newlines(byte[] b, int from, int to) {
    long n = 0;
    for (int i = from; i < to; i++) {
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
