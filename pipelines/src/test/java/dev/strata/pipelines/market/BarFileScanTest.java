package dev.strata.pipelines.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The scans that tell a grown bar file from a changed one, read a chunk at a time, against the
 * JDK's CRC-32C over the whole byte array and a plain count of the newlines: files of several
 * chunks, chunk boundaries inside and right after the ingested prefix, lines of every length.
 */
public class BarFileScanTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  /** Random CSV-ish lines, {@code bytes} long at least, ending with a newline. */
  private static byte[] lines(Random r, int bytes) {
    StringBuilder b = new StringBuilder();
    while (b.length() < bytes) {
      int len = r.nextInt(90);
      for (int i = 0; i < len; i++) {
        b.append((char) ('0' + r.nextInt(43))); // digits, punctuation, capitals: no newline
      }
      b.append('\n');
    }
    return b.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static String crc(byte[] b, int from, int to) {
    CRC32C c = new CRC32C();
    c.update(b, from, to - from);
    return String.format("%08x", c.getValue());
  }

  private static long count(byte[] b, int from, int to) {
    long n = 0;
    for (int i = from; i < to; i++) {
      n += b[i] == '\n' ? 1 : 0;
    }
    return n;
  }

  private BarFileScan wholeFromFile(byte[] content) throws Exception {
    Path f = Files.write(tmp.getRoot().toPath().resolve("f-" + content.length + ".csv"), content);
    try (FileChannel ch = FileChannel.open(f)) {
      return BarFileScan.whole(ch);
    }
  }

  private BarFileScan grownFromFile(byte[] content, BarFileScan before) throws Exception {
    Path f = Files.write(tmp.getRoot().toPath().resolve("g-" + content.length + ".csv"), content);
    try (FileChannel ch = FileChannel.open(f)) {
      return BarFileScan.grown(ch, before);
    }
  }

  @Test
  public void aWholeFileOfSeveralChunksHasTheJdksChecksumAndItsLineCount() throws Exception {
    Random r = new Random(7);
    for (int size :
        new int[] {
          0, 1, 7, 8, 9, BarFileScan.CHUNK - 1, BarFileScan.CHUNK, 2 * BarFileScan.CHUNK + 13
        }) {
      byte[] b = Arrays.copyOf(lines(r, size), size); // cut anywhere: may end mid-line
      BarFileScan s = wholeFromFile(b);
      assertEquals(b.length, s.ingestedBytes());
      assertEquals("size " + size, crc(b, 0, b.length), s.crc32c());
      assertEquals("size " + size, count(b, 0, b.length), s.lines());
      assertEquals("size " + size, b.length > 0 && b[b.length - 1] == '\n', s.endsWithNewline());
    }
  }

  @Test
  public void newlinesCountsEveryByteOfEveryAlignment() {
    byte[] b = "\n\n\na\nbc\n\n\n\n\n\n\n\nd\n\u000b\t\r\n\n".getBytes(StandardCharsets.US_ASCII);
    for (int from = 0; from < b.length; from++) {
      for (int to = from; to <= b.length; to++) {
        assertEquals(from + ".." + to, count(b, from, to), BarFileScan.newlines(b, from, to));
      }
    }
    byte[] all = new byte[256 * 9];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i; // every byte value next to every other: no false match near 0x0a
    }
    assertEquals(count(all, 0, all.length), BarFileScan.newlines(all, 0, all.length));
  }

  @Test
  public void aFileThatGrewIsExtendedByItsWholeLinesOnly() throws Exception {
    Random r = new Random(11);
    byte[] old = lines(r, BarFileScan.CHUNK + 500); // the prefix ends past a chunk boundary
    BarFileScan before = wholeFromFile(old);
    byte[] more = lines(r, 3 * BarFileScan.CHUNK);
    byte[] now = new byte[old.length + more.length + 5];
    System.arraycopy(old, 0, now, 0, old.length);
    System.arraycopy(more, 0, now, old.length, more.length);
    System.arraycopy("12,34".getBytes(StandardCharsets.US_ASCII), 0, now, now.length - 5, 5);
    BarFileScan s = grownFromFile(now, before);
    int end = old.length + more.length; // the unfinished "12,34" waits
    assertEquals(end, s.ingestedBytes());
    assertEquals(crc(now, 0, end), s.crc32c());
    assertEquals(count(now, 0, end), s.lines());
    assertTrue(s.endsWithNewline());
    // only the unfinished line after the prefix: nothing to add, the same record
    byte[] partial = Arrays.copyOf(old, old.length + 3);
    partial[old.length] = '9';
    assertEquals(before, grownFromFile(partial, before));
  }

  @Test
  public void aFileChangedInItsPrefixOrShrunkOrOnceUnfinishedIsNotGrown() throws Exception {
    Random r = new Random(13);
    byte[] old = lines(r, 2 * BarFileScan.CHUNK);
    BarFileScan before = wholeFromFile(old);
    byte[] edited = Arrays.copyOf(old, old.length + 10);
    Arrays.fill(edited, old.length, edited.length, (byte) '\n');
    edited[BarFileScan.CHUNK + 3] ^= 1; // one bit in the second chunk of the prefix
    assertNull(grownFromFile(edited, before));
    assertNull(grownFromFile(Arrays.copyOf(old, old.length - 1), before));
    byte[] cut = Arrays.copyOf(old, old.length - 1); // was caught mid-line
    BarFileScan unfinished = wholeFromFile(cut);
    assertFalse(unfinished.endsWithNewline());
    assertNull(grownFromFile(old, unfinished));
  }
}
