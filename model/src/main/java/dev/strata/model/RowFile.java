package dev.strata.model;

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
  private final Path path;
  private final int width;
  private final FileChannel channel;
  private final ByteBuffer buffer;
  private long rows;

  RowFile(Path path, int width) throws IOException {
    this.path = path;
    this.width = width;
    this.channel =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ);
    this.buffer = ByteBuffer.allocateDirect(8 * width * 8192).order(ByteOrder.LITTLE_ENDIAN);
  }

  void append(double a, double b, double c) throws IOException {
    if (buffer.remaining() < 24) {
      flush();
    }
    buffer.putDouble(a).putDouble(b).putDouble(c);
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

  int width() {
    return width;
  }

  /** Rows {@code [from, from + n)}, row-major, into {@code out} (length ≥ n·width). */
  void read(long from, int n, double[] out) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(8 * width * n).order(ByteOrder.LITTLE_ENDIAN);
    long position = from * width * 8;
    while (bytes.hasRemaining()) {
      int got = channel.read(bytes, position + bytes.position());
      if (got < 0) {
        throw new IOException(path + " ended early");
      }
    }
    bytes.flip();
    bytes.asDoubleBuffer().get(out, 0, n * width);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  Path path() {
    return path;
  }
}
