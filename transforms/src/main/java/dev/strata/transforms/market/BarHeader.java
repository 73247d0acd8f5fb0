package dev.strata.transforms.market;

import java.util.Arrays;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Header resolution of {@link BarFileParser}: where each of {@link BarFileParser#COLUMNS} is, found
 * by name (the first field of that name; order free, extra columns ignored), how many fields a row
 * must have, and, if a column is missing, the message every data row is then rejected with.
 */
final class BarHeader {
  /** Field index of each of {@link BarFileParser#COLUMNS}, -1 if absent. */
  final int[] columnIndex;

  /** Fields in the header, which every data row must have. */
  final int fields;

  /** Why no row can be read ({@code header lacks column ...}), or null. */
  final @Nullable String missing;

  private BarHeader(int[] columnIndex, int fields, @Nullable String missing) {
    this.columnIndex = columnIndex;
    this.fields = fields;
    this.missing = missing;
  }

  static BarHeader of(String headerLine) {
    String[] header = headerLine.split(",", -1);
    String[] columns = BarFileParser.COLUMNS;
    int[] columnIndex = new int[columns.length];
    Arrays.fill(columnIndex, -1);
    for (int h = 0; h < header.length; h++) {
      String name = header[h].trim();
      for (int c = 0; c < columns.length; c++) {
        if (columns[c].equals(name) && columnIndex[c] < 0) {
          columnIndex[c] = h;
        }
      }
    }
    String missing = null;
    for (int c = 0; c < columns.length; c++) {
      if (columnIndex[c] < 0) {
        missing = "header lacks column '" + columns[c] + "': " + headerLine;
        break;
      }
    }
    return new BarHeader(columnIndex, header.length, missing);
  }
}
