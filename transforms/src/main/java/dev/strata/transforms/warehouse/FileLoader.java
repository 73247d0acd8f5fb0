package dev.strata.transforms.warehouse;

import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.io.StringReader;
import java.nio.channels.SeekableByteChannel;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Loads one Data Wow Parquet file into PostgreSQL exactly once.
 *
 * <p>In one transaction: the file's ledger row is locked (or created); if the ledger already holds
 * this name with the same SHA-256, nothing happens ({@link Status#UNCHANGED}); otherwise the rows
 * an earlier version of the file loaded are deleted, the file's rows are sent with {@code COPY}
 * (text format, tagged with the ledger's {@code file_id}), and the ledger row records size,
 * checksum and row count. A crash at any point rolls the transaction back, so a rerun finds the
 * file either loaded completely or not at all.
 *
 * <p>A file that is empty, not Parquet, truncated, lacks a column or has a column of the wrong type
 * is not loaded: the ledger records it as {@code rejected} with the reason (naming the column), and
 * its earlier rows, if any, stay.
 */
public final class FileLoader {
  /** The five columns, in table order. */
  public static final List<String> COLUMNS =
      List.of("department_name", "sensor_serial", "create_at", "product_name", "product_expire");

  /** What happened to a file. */
  public enum Status {
    LOADED,
    REPLACED,
    UNCHANGED,
    REJECTED
  }

  /** The outcome for one file. */
  public record Result(String file, Status status, long rows, String reason)
      implements java.io.Serializable {}

  private final String table;
  private final String ledger;

  /** {@code table} like {@code dwh.data_sample}; the ledger is {@code <schema>.load_ledger}. */
  public FileLoader(String table) {
    if (!table.matches("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "--table must be schema.table in lower case, not " + table);
    }
    this.table = table;
    this.ledger = table.substring(0, table.indexOf('.')) + ".load_ledger";
  }

  /** Creates the schema, table and ledger if missing. Idempotent. */
  public void createTables(Connection c) throws SQLException {
    String schema = table.substring(0, table.indexOf('.'));
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + ledger
              + " (file_id bigserial PRIMARY KEY, file_name text NOT NULL UNIQUE,"
              + " size_bytes bigint NOT NULL, sha256 text NOT NULL, rows bigint NOT NULL,"
              + " status text NOT NULL, reason text, loaded_at timestamptz NOT NULL DEFAULT now())");
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + table
              + " (department_name varchar(32) NOT NULL, sensor_serial varchar(64) NOT NULL,"
              + " create_at timestamp NOT NULL, product_name varchar(16) NOT NULL,"
              + " product_expire timestamp NOT NULL, load_file_id bigint NOT NULL)");
    }
  }

  /**
   * Forgets every file that loaded rows with {@code create_at} in {@code [from, to)}: their rows
   * and ledger entries go, in one transaction, so that the next load takes them again (a backfill).
   * Returns the number of files forgotten.
   */
  public int forgetRange(Connection c, LocalDateTime from, LocalDateTime to) throws SQLException {
    c.setAutoCommit(false);
    try (PreparedStatement ids =
            c.prepareStatement(
                "CREATE TEMP TABLE forget ON COMMIT DROP AS SELECT DISTINCT load_file_id AS id FROM "
                    + table
                    + " WHERE create_at >= ? AND create_at < ?");
        Statement s = c.createStatement()) {
      ids.setObject(1, from);
      ids.setObject(2, to);
      ids.execute();
      s.executeUpdate("DELETE FROM " + table + " WHERE load_file_id IN (SELECT id FROM forget)");
      int n =
          s.executeUpdate("DELETE FROM " + ledger + " WHERE file_id IN (SELECT id FROM forget)");
      c.commit();
      return n;
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * SQL for a least-privilege role that can only read and add rows in this schema: {@code USAGE} on
   * the schema, {@code SELECT, INSERT} on its tables (now and later), and the ledger's sequence.
   * Replacing a changed file or a backfill deletes rows, which this role cannot: run those as the
   * schema's owner.
   */
  public String roleSql(String role, String password) {
    if (!role.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("a role name is lower-case letters, digits, _: " + role);
    }
    String schema = table.substring(0, table.indexOf('.'));
    String pw = password == null ? "" : " PASSWORD '" + password.replace("'", "''") + "'";
    return String.join(
        "\n",
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN",
        "  CREATE ROLE " + role + " LOGIN" + pw + "; END IF; END $$;",
        "GRANT USAGE ON SCHEMA " + schema + " TO " + role + ";",
        "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA " + schema + " TO " + role + ";",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role + ";",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA "
            + schema
            + " GRANT SELECT, INSERT ON TABLES TO "
            + role
            + ";");
  }

  /**
   * Compares the ledger with the table: for every loaded file the table holds exactly its ledger
   * row count, and no row belongs to a file the ledger does not know. Returns the differences
   * (empty when consistent).
   */
  public List<String> checkTable(Connection c) throws SQLException {
    List<String> problems = new java.util.ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT coalesce(l.file_name, '<no ledger row: file_id ' || t.id || '>'),"
                    + " coalesce(l.rows, 0), coalesce(t.n, 0) FROM (SELECT load_file_id AS id,"
                    + " count(*) AS n FROM "
                    + table
                    + " GROUP BY 1) t FULL JOIN (SELECT * FROM "
                    + ledger
                    + " WHERE status = 'loaded') l ON l.file_id = t.id"
                    + " WHERE coalesce(l.rows, 0) <> coalesce(t.n, 0)")) {
      while (r.next()) {
        problems.add(
            r.getString(1) + ": ledger says " + r.getLong(2) + " rows, table has " + r.getLong(3));
      }
    }
    return problems;
  }

  /** Ledger entries: file name to (sha256, status). */
  public java.util.Map<String, String[]> ledger(Connection c) throws SQLException {
    java.util.Map<String, String[]> m = new java.util.TreeMap<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT file_name, sha256, status FROM " + ledger)) {
      while (r.next()) {
        m.put(r.getString(1), new String[] {r.getString(2), r.getString(3)});
      }
    }
    return m;
  }

  /** The SHA-256 of a file, as the ledger records it. */
  public static String checksum(ChannelOpener open) throws IOException {
    return sha256(open);
  }

  /** Builds the index that replacing a file's rows uses; after the bulk load, not before. */
  public void createIndexes(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE INDEX IF NOT EXISTS "
              + table.substring(table.indexOf('.') + 1)
              + "_load_file_id ON "
              + table
              + " (load_file_id)");
    }
  }

  /**
   * Loads {@code name} (its bytes are read twice: once for the checksum, once as Parquet).
   *
   * @param open opens the file for reading, from the start, each time it is called
   */
  public Result load(Connection c, String name, long size, ChannelOpener open)
      throws SQLException, IOException {
    String sha = sha256(open);
    c.setAutoCommit(false);
    try {
      Long fileId = null;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT file_id, sha256, status FROM "
                  + ledger
                  + " WHERE file_name = ? FOR UPDATE")) {
        ps.setString(1, name);
        try (ResultSet r = ps.executeQuery()) {
          if (r.next()) {
            fileId = r.getLong(1);
            if (sha.equals(r.getString(2)) && "loaded".equals(r.getString(3))) {
              c.rollback();
              return new Result(name, Status.UNCHANGED, 0, null);
            }
          }
        }
      }
      StringBuilder copy = new StringBuilder(256 * 1024);
      long rows;
      try (SeekableByteChannel ch = open.open()) {
        rows = toCopyText(ParquetChannels.input(ch), copy);
      } catch (Rejected e) {
        upsertLedger(c, name, size, sha, 0, "rejected", e.getMessage());
        c.commit();
        return new Result(name, Status.REJECTED, 0, e.getMessage());
      }
      boolean replaced = false;
      if (fileId != null) {
        try (PreparedStatement del =
            c.prepareStatement("DELETE FROM " + table + " WHERE load_file_id = ?")) {
          del.setLong(1, fileId);
          replaced = del.executeUpdate() > 0;
        }
      }
      long id = upsertLedger(c, name, size, sha, rows, "loaded", null);
      CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
      String tagged = copy.toString().replace("\u0001", Long.toString(id));
      long copied =
          cm.copyIn(
              "COPY " + table + " (" + String.join(", ", COLUMNS) + ", load_file_id) FROM STDIN",
              new StringReader(tagged));
      if (copied != rows) {
        throw new SQLException(name + ": COPY wrote " + copied + " rows of " + rows);
      }
      c.commit();
      return new Result(name, replaced ? Status.REPLACED : Status.LOADED, rows, null);
    } catch (SQLException | IOException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** Opens a file's bytes. */
  @FunctionalInterface
  public interface ChannelOpener {
    SeekableByteChannel open() throws IOException;
  }

  private long upsertLedger(
      Connection c, String name, long size, String sha, long rows, String status, String reason)
      throws SQLException {
    // One statement for a new file and a known one; the ledger row is already locked if known.
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO "
                + ledger
                + " (file_name, size_bytes, sha256, rows, status, reason) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (file_name) DO UPDATE SET size_bytes = EXCLUDED.size_bytes,"
                + " sha256 = EXCLUDED.sha256, rows = EXCLUDED.rows, status = EXCLUDED.status,"
                + " reason = EXCLUDED.reason, loaded_at = now() RETURNING file_id")) {
      ps.setString(1, name);
      ps.setLong(2, size);
      ps.setString(3, sha);
      ps.setLong(4, rows);
      ps.setString(5, status);
      ps.setString(6, reason);
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  /** A file that cannot be loaded, with the reason. */
  static final class Rejected extends Exception {
    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Appends the file's rows as COPY text (tab-separated, \N for null, the file id as the
   * placeholder character U+0001); returns the number of rows.
   */
  static long toCopyText(InputFile in, StringBuilder out) throws Rejected {
    MessageType schema;
    try (ParquetFileReader f = ParquetFileReader.open(in)) {
      schema = f.getFooter().getFileMetaData().getSchema();
      if (f.getRecordCount() == 0) {
        throw new Rejected("empty: the file has no rows");
      }
    } catch (IOException | RuntimeException e) {
      throw new Rejected("corrupt: not a readable Parquet file (" + firstLine(e) + ")");
    }
    int[] index = new int[COLUMNS.size()];
    for (int i = 0; i < index.length; i++) {
      String col = COLUMNS.get(i);
      if (!schema.containsField(col)) {
        throw new Rejected("missing_column: the file has no column " + col);
      }
      index[i] = schema.getFieldIndex(col);
      PrimitiveType t = schema.getType(index[i]).asPrimitiveType();
      boolean time = col.equals("create_at") || col.equals("product_expire");
      boolean ok =
          time
              ? t.getPrimitiveTypeName() == PrimitiveTypeName.INT64
                  && t.getLogicalTypeAnnotation()
                      instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation
              : t.getPrimitiveTypeName() == PrimitiveTypeName.BINARY;
      if (!ok) {
        throw new Rejected(
            "wrong_type: column "
                + col
                + " is "
                + t.getPrimitiveTypeName()
                + " "
                + t.getLogicalTypeAnnotation()
                + ", expected "
                + (time ? "a timestamp" : "a string"));
      }
    }
    long rows = 0;
    try (ParquetReader<Group> reader = ParquetChannels.groups(in)) {
      Group g;
      while ((g = reader.read()) != null) {
        for (int i = 0; i < index.length; i++) {
          if (g.getFieldRepetitionCount(index[i]) == 0) {
            throw new Rejected("null_value: row " + (rows + 1) + " has no " + COLUMNS.get(i));
          }
          String col = COLUMNS.get(i);
          if (col.equals("create_at") || col.equals("product_expire")) {
            out.append(
                timestamp(g.getLong(index[i], 0), schema.getType(index[i]).asPrimitiveType()));
          } else {
            escape(g.getString(index[i], 0), out);
          }
          out.append('\t');
        }
        out.append('\u0001').append('\n');
        rows++;
      }
    } catch (IOException | RuntimeException e) {
      throw new Rejected("corrupt: reading row " + (rows + 1) + " failed (" + firstLine(e) + ")");
    }
    return rows;
  }

  private static String timestamp(long v, PrimitiveType t) {
    long nanos =
        ParquetChannels.epochNanos(
            v, (LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) t.getLogicalTypeAnnotation());
    LocalDateTime d =
        LocalDateTime.ofEpochSecond(
            Math.floorDiv(nanos, 1_000_000_000L),
            (int) Math.floorMod(nanos, 1_000_000_000L),
            ZoneOffset.UTC);
    return d.toString().replace('T', ' ');
  }

  private static void escape(String s, StringBuilder out) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\u0001' -> out.append("\\001"); // the raw character is the file-id placeholder
        default -> out.append(c);
      }
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    return m.split("\n")[0];
  }

  static String sha256(ChannelOpener open) throws IOException {
    try (SeekableByteChannel ch = open.open()) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 16);
      while (ch.read(b) > 0) {
        b.flip();
        md.update(b);
        b.clear();
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
