package dev.strata.model.train;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A temporary file of fixed-width rows of doubles, written once and read back in chunks: the spill
 * that keeps training's memory bounded however many rows there are.
 */
final class RowFile implements Closeable {
  /** Rows the scoring passes (validation loss, test set) read back at a time. */
  static final int READ_CHUNK_ROWS = 65_536;

  private static final int ROW_BYTES = 32;
  private final Path path;
  private final FileChannel channel;
  private final ByteBuffer buffer;
  private long rows;

  RowFile(Path path) throws IOException {
    this.path = path;
    this.channel =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ);
    this.buffer = ByteBuffer.allocateDirect(ROW_BYTES * 8192).order(ByteOrder.LITTLE_ENDIAN);
  }

  void append(double a, double b, double c, long key) throws IOException {
    if (buffer.remaining() < ROW_BYTES) {
      flush();
    }
    buffer.putDouble(a).putDouble(b).putDouble(c).putLong(key);
    rows++;
  }

  void flush() throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
  }

  long rows() {
    return rows;
  }

  /**
   * Rows {@code [from, from + n)}: the doubles row-major into {@code values} (length ≥ 3n), the
   * keys into {@code keys} (length ≥ n, or null to skip them).
   */
  void read(long from, int n, double[] values, long[] keys) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(ROW_BYTES * n).order(ByteOrder.LITTLE_ENDIAN);
    long position = from * ROW_BYTES;
    while (bytes.hasRemaining()) {
      int got = channel.read(bytes, position + bytes.position());
      if (got < 0) {
        throw new IOException(path + " ended early");
      }
    }
    bytes.flip();
    for (int i = 0; i < n; i++) {
      int at = i * ROW_BYTES;
      values[3 * i] = bytes.getDouble(at);
      values[3 * i + 1] = bytes.getDouble(at + 8);
      values[3 * i + 2] = bytes.getDouble(at + 16);
      if (keys != null) {
        keys[i] = bytes.getLong(at + 24);
      }
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  Path path() {
    return path;
  }
}
