package dev.strata.transforms.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;

/** Damages Parquet files the way a bad disk or a bad copy does, for the tests of the readers. */
public final class CorruptParquet {
  private CorruptParquet() {}

  /**
   * Flips one bit of the stored bytes of {@code value} (an int64 or double, little-endian as
   * Parquet stores it) in {@code column}'s dictionary page, or its data pages if it has none: the
   * page stays well-formed and decodes, to a different value. Only the page CRC can tell.
   */
  public static void flipValue(Path file, String column, long valueBits) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    long from;
    long to;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ParquetFileReader r = ParquetFileReader.open(ParquetChannels.input(ch, file.toString()))) {
      ColumnChunkMetaData c =
          r.getFooter().getBlocks().get(0).getColumns().stream()
              .filter(m -> m.getPath().toDotString().equals(column))
              .findFirst()
              .orElseThrow();
      // a dictionary page header has no statistics, so the value is there once
      from = c.hasDictionaryPage() ? c.getDictionaryPageOffset() : c.getStartingPos();
      to =
          c.hasDictionaryPage()
              ? c.getFirstDataPageOffset()
              : c.getStartingPos() + c.getTotalSize();
    }
    byte[] pattern =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(valueBits).array();
    for (int i = (int) from; i + 8 <= to; i++) {
      if (java.util.Arrays.equals(bytes, i, i + 8, pattern, 0, 8)) {
        bytes[i + 5] ^= 0x01;
        Files.write(file, bytes);
        return;
      }
    }
    throw new IllegalStateException("the bytes of the value are not stored as such in " + column);
  }
}
