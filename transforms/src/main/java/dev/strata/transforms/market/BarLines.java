package dev.strata.transforms.market;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The tokenizer of {@link BarFileParser}: walks a file's bytes line by line (LF or CRLF, a leading
 * UTF-8 BOM skipped, blank lines skipped but counted) and splits the current line on commas into
 * trimmed fields, without allocating per line.
 */
final class BarLines {
  private final byte[] b;
  private int pos;

  /** 1-based number of the current line. */
  int line;

  /** The current line's bytes are {@code [start, end)}, without its terminator. */
  int start;

  int end;

  /** Fields of the current line after {@link #split()}: {@code [fieldStart[i], fieldEnd[i])}. */
  int[] fieldStart = new int[16];

  int[] fieldEnd = new int[16];

  BarLines(byte[] content) {
    this.b = content;
    int n = content.length;
    if (n >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
      pos = 3;
    }
  }

  /** Moves to the next line that is not blank; false at the end of the file. */
  boolean next() {
    while (pos < b.length) {
      int nl = pos;
      while (nl < b.length && b[nl] != '\n') {
        nl++;
      }
      int lineEndPos = nl;
      if (lineEndPos > pos && b[lineEndPos - 1] == '\r') {
        lineEndPos--;
      }
      line++;
      start = pos;
      end = lineEndPos;
      pos = nl + 1;
      if (!isBlank(start, end)) {
        return true;
      }
    }
    return false;
  }

  /** The current line as text. */
  String text() {
    return new String(b, start, end - start, StandardCharsets.UTF_8);
  }

  /** Splits the current line on commas, trimming spaces and tabs; returns the field count. */
  int split() {
    int fields = 0;
    int fs = start;
    for (int i = start; i <= end; i++) {
      if (i == end || b[i] == ',') {
        if (fields == fieldStart.length) {
          fieldStart = Arrays.copyOf(fieldStart, fields * 2);
          fieldEnd = Arrays.copyOf(fieldEnd, fields * 2);
        }
        int a = fs;
        int z = i;
        while (a < z && (b[a] == ' ' || b[a] == '\t')) {
          a++;
        }
        while (z > a && (b[z - 1] == ' ' || b[z - 1] == '\t')) {
          z--;
        }
        fieldStart[fields] = a;
        fieldEnd[fields] = z;
        fields++;
        fs = i + 1;
      }
    }
    return fields;
  }

  private boolean isBlank(int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
        return false;
      }
    }
    return true;
  }
}
