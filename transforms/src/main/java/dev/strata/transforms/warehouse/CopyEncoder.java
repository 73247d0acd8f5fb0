package dev.strata.transforms.warehouse;

import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.util.Arrays;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Turns a Data Wow Parquet file into PostgreSQL binary {@code COPY} tuples for the table's six
 * columns ({@link FileLoader#COLUMNS} and {@code load_file_id}), checking on the way everything the
 * server would refuse, so that a bad file is rejected with a reason naming the column instead of
 * aborting a transaction that carries other files.
 *
 * <p>Columns are read with parquet-column's {@link ColumnReader}s (only the five columns are
 * decoded). Strings must be valid UTF-8 without NUL and at most the column's {@code varchar(n)}
 * length in characters; timestamps (any unit) become microseconds since 2000-01-01, rounded half to
 * even as PostgreSQL rounds text input, within PostgreSQL's timestamp range. The file id is not
 * known yet when a file is encoded: each tuple ends with an 8-byte placeholder, patched by {@link
 * Encoded#setFileId}.
 */
final class CopyEncoder {
  /** The binary COPY header: signature, flags, header extension length. */
  static final byte[] HEADER = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
  };

  /** The binary COPY trailer: a field count of -1. */
  static final byte[] TRAILER = {(byte) 0xff, (byte) 0xff};

  /** varchar lengths of the string columns, in {@link FileLoader#COLUMNS} order (0: timestamp). */
  static final int[] MAX_CHARS = WarehouseTables.MAX_CHARS;

  /** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in microseconds since 1970. */
  private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

  /** PostgreSQL's timestamp range, in microseconds since its epoch: [4714-11-24 BC, 294277). */
  private static final long PG_MIN = -211_813_488_000_000_000L;

  private static final long PG_END = 9_223_371_331_200_000_000L;

  /**
   * Column readers want a record converter to exist; values are taken from the readers directly
   * ({@code getBinary}, {@code getLong}), so this one is never fed.
   */
  private static final GroupConverter IGNORE_RECORDS =
      new GroupConverter() {
        private final PrimitiveConverter values = new PrimitiveConverter() {};

        @Override
        public Converter getConverter(int fieldIndex) {
          return values;
        }

        @Override
        public void start() {}

        @Override
        public void end() {}
      };

  private CopyEncoder() {}

  /** The most COPY data one file may make (1 GiB): more is rejected as too large. */
  static final int MAX_TUPLE_BYTES = 1 << 30;

  /** Thrown when a file's tuples outgrow {@link #MAX_TUPLE_BYTES}. */
  private static final class TooLarge extends RuntimeException {
    TooLarge() {
      super(null, null, false, false);
    }
  }

  /** A file's tuples: {@code bytes[0, length)}, with a file-id placeholder per row. */
  static final class Encoded {
    byte[] bytes;
    int length;
    int[] idAt;
    int rows;

    Encoded(long rows, long fileBytes) {
      // Tuples of dictionary-encoded Parquet are ~2x the file; start there, grow if needed.
      bytes = new byte[(int) Math.min(1 << 26, Math.max(1 << 12, 2 * fileBytes + 64 * rows))];
      idAt = new int[(int) Math.min(1 << 20, Math.max(16, rows))];
    }

    /** Writes {@code id} into every row's {@code load_file_id}. */
    void setFileId(long id) {
      for (int i = 0; i < rows; i++) {
        putLongAt(idAt[i], id);
      }
    }

    private void ensure(int more) {
      long need = (long) length + more;
      if (need > bytes.length) {
        if (need > MAX_TUPLE_BYTES) {
          throw new TooLarge();
        }
        bytes =
            Arrays.copyOf(
                bytes, (int) Math.min(MAX_TUPLE_BYTES, Math.max(2L * bytes.length, need)));
      }
    }

    private void putShort(int v) {
      ensure(2);
      bytes[length++] = (byte) (v >>> 8);
      bytes[length++] = (byte) v;
    }

    private void putInt(int v) {
      ensure(4);
      bytes[length++] = (byte) (v >>> 24);
      bytes[length++] = (byte) (v >>> 16);
      bytes[length++] = (byte) (v >>> 8);
      bytes[length++] = (byte) v;
    }

    private void putLong(long v) {
      ensure(8);
      putLongAt(length, v);
      length += 8;
    }

    private void putLongAt(int at, long v) {
      for (int i = 7; i >= 0; i--) {
        bytes[at + i] = (byte) v;
        v >>>= 8;
      }
    }

    private void put(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, bytes, length, len);
      length += len;
    }

    private void newRow() {
      if (rows == idAt.length) {
        if (rows > MAX_TUPLE_BYTES / 8) {
          throw new TooLarge();
        }
        idAt = Arrays.copyOf(idAt, rows * 2);
      }
    }
  }

  /** Encodes the file's rows, or says why it cannot be loaded. */
  static Encoded encode(InputFile in) throws FileLoader.Rejected {
    FileMetaData meta;
    MessageType schema;
    ParquetFileReader f;
    try {
      // page CRCs are verified where the file has them: a flipped byte is a corrupt file, not
      // rows with wrong values
      f = ParquetFileReader.open(in, ParquetChannels.verifiedReadOptions());
    } catch (IOException | RuntimeException e) {
      throw new FileLoader.Rejected("corrupt: not a readable Parquet file (" + firstLine(e) + ")");
    }
    try (f) {
      meta = f.getFooter().getFileMetaData();
      schema = meta.getSchema();
      if (f.getRecordCount() == 0) {
        throw new FileLoader.Rejected("empty: the file has no rows");
      }
      MessageType projection = project(schema);
      f.setRequestedSchema(projection);
      Encoded out = new Encoded(f.getRecordCount(), in.getLength());
      int n = FileLoader.COLUMNS.size();
      PageReadStore group;
      while (true) {
        try {
          group = f.readNextRowGroup();
        } catch (IOException | RuntimeException e) {
          throw new FileLoader.Rejected(
              "corrupt: reading row " + (out.rows + 1) + " failed (" + firstLine(e) + ")");
        }
        if (group == null) {
          break;
        }
        ColumnReadStoreImpl store =
            new ColumnReadStoreImpl(group, IGNORE_RECORDS, projection, meta.getCreatedBy());
        ColumnReader[] readers = new ColumnReader[n];
        int[] maxDef = new int[n];
        TimestampLogicalTypeAnnotation[] units = new TimestampLogicalTypeAnnotation[n];
        for (int i = 0; i < n; i++) {
          ColumnDescriptor d =
              projection.getColumnDescription(new String[] {projection.getFieldName(i)});
          readers[i] = store.getColumnReader(d);
          maxDef[i] = d.getMaxDefinitionLevel();
          if (MAX_CHARS[i] == 0) {
            units[i] =
                (TimestampLogicalTypeAnnotation) d.getPrimitiveType().getLogicalTypeAnnotation();
          }
        }
        long groupRows = group.getRowCount();
        try {
          for (long r = 0; r < groupRows; r++) {
            out.newRow();
            out.putShort(n + 1);
            for (int i = 0; i < n; i++) {
              ColumnReader c = readers[i];
              if (c.getCurrentDefinitionLevel() < maxDef[i]) {
                throw new FileLoader.Rejected(
                    "null_value: row " + (out.rows + 1) + " has no " + FileLoader.COLUMNS.get(i));
              }
              if (MAX_CHARS[i] == 0) {
                out.putInt(8);
                out.putLong(pgMicros(c.getLong(), units[i], i, out.rows));
              } else {
                putString(out, c.getBinary(), i);
              }
              c.consume();
            }
            out.putInt(8);
            out.idAt[out.rows++] = out.length;
            out.putLong(0);
          }
        } catch (FileLoader.Rejected e) {
          throw e;
        } catch (TooLarge e) {
          throw new FileLoader.Rejected(
              "too_large: its rows make more than " + MAX_TUPLE_BYTES + " bytes of COPY data");
        } catch (RuntimeException e) {
          throw new FileLoader.Rejected(
              "corrupt: reading row " + (out.rows + 1) + " failed (" + firstLine(e) + ")");
        }
      }
      return out;
    } catch (IOException e) {
      throw new FileLoader.Rejected("corrupt: " + firstLine(e));
    }
  }

  /** The five columns in table order, or why the schema does not fit. */
  private static MessageType project(MessageType schema) throws FileLoader.Rejected {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (int i = 0; i < FileLoader.COLUMNS.size(); i++) {
      String col = FileLoader.COLUMNS.get(i);
      if (!schema.containsField(col)) {
        throw new FileLoader.Rejected("missing_column: the file has no column " + col);
      }
      Type t = schema.getType(col);
      boolean time = MAX_CHARS[i] == 0;
      String expected = time ? "a timestamp" : "a string";
      if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
        throw new FileLoader.Rejected(
            "wrong_type: column " + col + " is a list or group, expected " + expected);
      }
      PrimitiveType p = t.asPrimitiveType();
      LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
      boolean ok =
          time
              ? p.getPrimitiveTypeName() == PrimitiveTypeName.INT64
                  && a instanceof TimestampLogicalTypeAnnotation
              : p.getPrimitiveTypeName() == PrimitiveTypeName.BINARY
                  && (a == null || a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation);
      if (!ok) {
        throw new FileLoader.Rejected(
            "wrong_type: column "
                + col
                + " is "
                + p.getPrimitiveTypeName()
                + (a == null ? "" : " " + a)
                + ", expected "
                + expected);
      }
      b.addField(p);
    }
    return b.named("data_sample");
  }

  private static void putString(Encoded out, Binary v, int column) throws FileLoader.Rejected {
    java.nio.ByteBuffer view = v.toByteBuffer(); // no copy for the usual array-backed values
    int len = view.remaining();
    byte[] b;
    int off;
    if (view.hasArray()) {
      b = view.array();
      off = view.arrayOffset() + view.position();
    } else {
      b = v.getBytes();
      off = 0;
    }
    int chars = utf8Chars(b, off, len);
    String col = FileLoader.COLUMNS.get(column);
    if (chars < 0) {
      throw new FileLoader.Rejected(
          "invalid_value: row "
              + (out.rows + 1)
              + " column "
              + col
              + " is not valid UTF-8 text or holds a NUL character");
    }
    if (chars > MAX_CHARS[column]) {
      throw new FileLoader.Rejected(
          "too_long: row "
              + (out.rows + 1)
              + " column "
              + col
              + " has "
              + chars
              + " characters, the table allows "
              + MAX_CHARS[column]);
    }
    out.putInt(len);
    out.put(b, off, len);
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long LOW_BITS = 0x0101010101010101L;

  /** The number of characters of well-formed UTF-8 without NUL, else -1. */
  static int utf8Chars(byte[] b, int off, int len) {
    int chars = 0;
    int i = off;
    int end = off + len;
    // ASCII without NUL, 8 bytes at a time: no high bit set, no zero byte.
    while (i + 8 <= end) {
      long w = (long) LONGS.get(b, i);
      if ((w & HIGH_BITS) != 0 || ((w - LOW_BITS) & ~w & HIGH_BITS) != 0) {
        break;
      }
      i += 8;
      chars += 8;
    }
    while (i < end) {
      int c = b[i] & 0xff;
      int extra;
      int min;
      if (c == 0) {
        return -1;
      } else if (c < 0x80) {
        i++;
        chars++;
        continue;
      } else if (c >= 0xc2 && c <= 0xdf) {
        extra = 1;
        min = 0x80;
      } else if (c >= 0xe0 && c <= 0xef) {
        extra = 2;
        min = 0x800;
      } else if (c >= 0xf0 && c <= 0xf4) {
        extra = 3;
        min = 0x10000;
      } else {
        return -1;
      }
      if (i + extra >= end) {
        return -1;
      }
      int cp = c & (0x3f >> extra);
      for (int k = 1; k <= extra; k++) {
        int cc = b[i + k] & 0xff;
        if ((cc & 0xc0) != 0x80) {
          return -1;
        }
        cp = (cp << 6) | (cc & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return -1;
      }
      i += extra + 1;
      chars++;
    }
    return chars;
  }

  /** A Parquet timestamp as PostgreSQL's microseconds since 2000-01-01. */
  static long pgMicros(long value, TimestampLogicalTypeAnnotation unit, int column, int row)
      throws FileLoader.Rejected {
    try {
      long micros =
          switch (unit.getUnit()) {
            case MILLIS -> Math.multiplyExact(value, 1_000L);
            case MICROS -> value;
            case NANOS -> roundHalfEven(value, 1_000L);
          };
      long pg = Math.subtractExact(micros, PG_EPOCH_MICROS);
      if (pg >= PG_MIN && pg < PG_END) {
        return pg;
      }
    } catch (ArithmeticException e) {
      // out of range, as below
    }
    throw new FileLoader.Rejected(
        "invalid_value: row "
            + (row + 1)
            + " column "
            + FileLoader.COLUMNS.get(column)
            + " is outside PostgreSQL's timestamp range ("
            + value
            + " "
            + unit.getUnit()
            + ")");
  }

  private static long roundHalfEven(long v, long d) {
    long q = Math.floorDiv(v, d);
    long r = Math.floorMod(v, d);
    if (r * 2 > d || (r * 2 == d && (q & 1) != 0)) {
      q++;
    }
    return q;
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    return m.split("\n")[0];
  }
}
