package dev.strata.transforms.common;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Adapts Beam's file channels (any Beam {@code FileSystem}: local, GCS, ...) to parquet-hadoop's
 * {@link InputFile}/{@link OutputFile}, so Parquet goes through Beam IO and not through Hadoop's
 * file systems.
 */
public final class ParquetChannels {
  private ParquetChannels() {}

  /** An output file over an open channel. Closing the Parquet stream leaves the channel open. */
  public static OutputFile output(WritableByteChannel channel) {
    return new OutputFile() {
      @Override
      public PositionOutputStream create(long blockSizeHint) {
        return stream(channel);
      }

      @Override
      public PositionOutputStream createOrOverwrite(long blockSizeHint) {
        return stream(channel);
      }

      @Override
      public boolean supportsBlockSize() {
        return false;
      }

      @Override
      public long defaultBlockSize() {
        return 0;
      }
    };
  }

  private static PositionOutputStream stream(WritableByteChannel channel) {
    OutputStream out = Channels.newOutputStream(channel);
    return new PositionOutputStream() {
      private long position;

      @Override
      public long getPos() {
        return position;
      }

      @Override
      public void write(int b) throws IOException {
        out.write(b);
        position++;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        position += len;
      }

      @Override
      public void close() {
        // the channel belongs to the caller (FileIO closes it)
      }
    };
  }

  /**
   * An input file over a seekable channel, which the caller closes; {@code name} (the file's path)
   * is what Parquet's messages call it, e.g. {@code <name> is not a Parquet file}.
   */
  public static InputFile input(SeekableByteChannel channel, String name) {
    return new InputFile() {
      @Override
      public String toString() {
        return name;
      }

      @Override
      public long getLength() throws IOException {
        return channel.size();
      }

      @Override
      public SeekableInputStream newStream() {
        return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
          @Override
          public long getPos() throws IOException {
            return channel.position();
          }

          @Override
          public void seek(long newPos) throws IOException {
            channel.position(newPos);
          }

          @Override
          public int read(ByteBuffer buf) throws IOException {
            return channel.read(buf);
          }

          @Override
          public void close() {
            // the channel belongs to the caller
          }
        };
      }
    };
  }

  /**
   * {@link #input(SeekableByteChannel, String)} for a caller that cannot name the file: messages
   * then say {@code a Parquet channel}, never an object's identity.
   */
  public static InputFile input(SeekableByteChannel channel) {
    return input(channel, "a Parquet channel");
  }

  /** An input file over bytes in memory; {@code name} is what Parquet's messages call it. */
  public static InputFile input(byte[] bytes, String name) {
    return new InputFile() {
      @Override
      public String toString() {
        return name;
      }

      @Override
      public long getLength() {
        return bytes.length;
      }

      @Override
      public SeekableInputStream newStream() {
        return new BytesInputStream(bytes);
      }
    };
  }

  /** Every read goes through {@code pos}, so seeks hold for every method. */
  private static final class BytesInputStream extends SeekableInputStream {
    private final byte[] bytes;
    private int pos;

    BytesInputStream(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) throws IOException {
      if (newPos < 0 || newPos > bytes.length) {
        throw new java.io.EOFException("seek to " + newPos + " of " + bytes.length + " bytes");
      }
      pos = (int) newPos;
    }

    @Override
    public int read() {
      return pos < bytes.length ? bytes[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (pos >= bytes.length) {
        return -1;
      }
      int k = Math.min(len, bytes.length - pos);
      System.arraycopy(bytes, pos, b, off, k);
      pos += k;
      return k;
    }

    @Override
    public int read(ByteBuffer buf) {
      if (!buf.hasRemaining()) {
        return 0;
      }
      if (pos >= bytes.length) {
        return -1;
      }
      int k = Math.min(buf.remaining(), bytes.length - pos);
      buf.put(bytes, pos, k);
      pos += k;
      return k;
    }

    @Override
    public void readFully(byte[] b) throws IOException {
      readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
      if (bytes.length - pos < len) {
        throw new java.io.EOFException("reached the end of the file");
      }
      System.arraycopy(bytes, pos, b, off, len);
      pos += len;
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      int len = buf.remaining();
      if (bytes.length - pos < len) {
        throw new java.io.EOFException("reached the end of the file");
      }
      buf.put(bytes, pos, len);
      pos += len;
    }

    @Override
    public long skip(long n) {
      long k = Math.max(0, Math.min(n, bytes.length - pos));
      pos += (int) k;
      return k;
    }

    @Override
    public int available() {
      return bytes.length - pos;
    }
  }

  /**
   * Opens a snappy Parquet writer of parquet-column's example {@code Group}s on a channel: the
   * writer of the sensors job's outputs and of the generators' files.
   */
  public static org.apache.parquet.hadoop.ParquetWriter<org.apache.parquet.example.data.Group>
      groupWriter(WritableByteChannel channel, org.apache.parquet.schema.MessageType schema)
          throws IOException {
    return org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(output(channel))
        .withType(schema)
        .withCompressionCodec(org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY)
        .withWriterVersion(org.apache.parquet.column.ParquetProperties.WriterVersion.PARQUET_1_0)
        .build();
  }

  /**
   * Reads a file's records as parquet-column's example {@code Group}s (any schema), verifying the
   * CRC of every page that has one.
   */
  public static org.apache.parquet.hadoop.ParquetReader<org.apache.parquet.example.data.Group>
      groups(InputFile file) throws java.io.IOException {
    return new GroupReaderBuilder(file).withConf(NO_XML).usePageChecksumVerification(true).build();
  }

  /**
   * Read options for {@code ParquetFileReader.open}: the CRC of every page that has one is verified
   * (a page whose bytes do not match fails the read instead of giving wrong values; pages written
   * without a CRC cannot be checked), and Hadoop's XML defaults are not parsed.
   */
  public static org.apache.parquet.ParquetReadOptions verifiedReadOptions() {
    return org.apache.parquet.HadoopReadOptions.builder(NO_XML)
        .usePageChecksumVerification(true)
        .build();
  }

  /**
   * Hadoop settings without the XML defaults, which would otherwise be parsed for every file (that
   * costs more than decoding a small file); only read, never changed.
   */
  private static final org.apache.hadoop.conf.Configuration NO_XML =
      new org.apache.hadoop.conf.Configuration(false);

  private static final class GroupReaderBuilder
      extends org.apache.parquet.hadoop.ParquetReader.Builder<
          org.apache.parquet.example.data.Group> {
    GroupReaderBuilder(InputFile file) {
      super(file);
    }

    @Override
    protected org.apache.parquet.hadoop.api.ReadSupport<org.apache.parquet.example.data.Group>
        getReadSupport() {
      return new org.apache.parquet.hadoop.example.GroupReadSupport();
    }
  }

  /**
   * A Parquet timestamp value in nanoseconds since the epoch, whatever the column's unit.
   *
   * @throws ArithmeticException if the value does not fit in nanoseconds
   */
  public static long epochNanos(
      long value,
      org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation t) {
    return switch (t.getUnit()) {
      case MILLIS -> Math.multiplyExact(value, 1_000_000L);
      case MICROS -> Math.multiplyExact(value, 1_000L);
      case NANOS -> value;
    };
  }
}
