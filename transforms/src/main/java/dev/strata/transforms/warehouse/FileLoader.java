package dev.strata.transforms.warehouse;

import dev.strata.transforms.common.Checksums;
import dev.strata.transforms.common.ParquetChannels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SeekableByteChannel;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Loads Data Wow Parquet files into PostgreSQL exactly once per file version.
 *
 * <p>Files go in batches, one transaction per batch ({@link #loadAll}): each file's ledger row
 * ({@code <schema>.load_ledger}: name, size, SHA-256, rows, status, reason, loaded_at) is locked or
 * created; a file whose checksum the ledger already holds is {@link Status#UNCHANGED}; the rows an
 * earlier version of a changed file loaded are deleted; and one binary {@code COPY} sends the rows,
 * each tagged with its file's ledger id ({@code load_file_id}). A crash at any point rolls the
 * batch back, so a rerun finds every file either loaded completely or not at all.
 *
 * <p>A file that is empty, not Parquet, truncated, lacks a column, has a column of the wrong type
 * or a value the table cannot hold (null, too long, not UTF-8, out of range) is not loaded: the
 * ledger records it as {@code rejected} with the reason, naming the column ({@link CopyEncoder}).
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

  /** The outcome for one file; {@code reason} is null unless it was rejected. */
  @DefaultCoder(ResultCoder.class)
  public record Result(String file, Status status, long rows, String reason)
      implements java.io.Serializable {}

  /**
   * Encodes a {@link Result}: file, status name, rows, nullable reason. Deterministic: equal
   * results encode to equal bytes.
   */
  public static final class ResultCoder extends CustomCoder<Result> {
    private static final long serialVersionUID = 1L;
    private static final ResultCoder INSTANCE = new ResultCoder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final NullableCoder<String> REASON = NullableCoder.of(StringUtf8Coder.of());

    public static ResultCoder of() {
      return INSTANCE;
    }

    /** Lets {@code @DefaultCoder} find the coder. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(Result.class), INSTANCE);
    }

    @Override
    public void encode(Result r, OutputStream out) throws IOException {
      if (r == null) {
        throw new CoderException("cannot encode a null Result");
      }
      STRING.encode(r.file(), out);
      STRING.encode(r.status().name(), out);
      VarLongCoder.of().encode(r.rows(), out);
      REASON.encode(r.reason(), out);
    }

    @Override
    public Result decode(InputStream in) throws IOException {
      String file = STRING.decode(in);
      Status status;
      try {
        status = Status.valueOf(STRING.decode(in));
      } catch (IllegalArgumentException e) {
        throw new CoderException(e);
      }
      return new Result(file, status, VarLongCoder.of().decode(in), REASON.decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    /** Stateless: every instance is the same coder (also after serialization). */
    @Override
    public boolean equals(Object o) {
      return o instanceof ResultCoder;
    }

    @Override
    public int hashCode() {
      return ResultCoder.class.hashCode();
    }
  }

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
    boolean committed = false;
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
      committed = true;
      return n;
    } finally {
      endTransaction(c, committed);
    }
  }

  /**
   * Ends a transaction this class began: rolls back unless it committed, whatever was thrown (an
   * {@code Error} too: turning auto-commit back on would otherwise commit half a batch).
   */
  private static void endTransaction(Connection c, boolean committed) throws SQLException {
    try {
      if (!committed) {
        c.rollback();
      }
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * SQL for a least-privilege role that can only read and add rows in this schema: {@code USAGE} on
   * the schema, {@code SELECT, INSERT} on its tables (now and later), the ledger's sequence, and
   * {@code UPDATE} on the ledger alone (a load locks and records its files' ledger rows). It can
   * load new files; replacing a changed file or a backfill deletes rows, which this role cannot:
   * run those as the schema's owner.
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
        "GRANT UPDATE ON " + ledger + " TO " + role + ";",
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

  /**
   * Files committed since {@code since} (the database's clock, {@code SELECT now()}): {loaded or
   * replaced files, their rows, rejected files}. Counts only committed work, from any worker.
   */
  public long[] committedSince(Connection c, java.sql.Timestamp since) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FILTER (WHERE status = 'loaded'), coalesce(sum(rows), 0),"
                + " count(*) FILTER (WHERE status = 'rejected') FROM "
                + ledger
                + " WHERE loaded_at >= ?")) {
      ps.setTimestamp(1, since);
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        return new long[] {r.getLong(1), r.getLong(2), r.getLong(3)};
      }
    }
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

  /**
   * The SHA-256 of a file, as the ledger records it ({@link Checksums#sha256(Checksums.Opener)}).
   */
  public static String checksum(ChannelOpener open) throws IOException {
    return Checksums.sha256(open::open);
  }

  /**
   * Builds the index that replacing a file's rows uses, after the bulk load, not before. It is a
   * BRIN index: a batch's rows are appended together, so {@code load_file_id} follows the physical
   * order and a block-range index finds a file's rows from a few KB; it is built in one scan (a
   * B-tree took three times as long on 9.57 M rows) and costs next to nothing on later loads. Then
   * {@code ANALYZE}: without statistics the planner guesses and scans the whole table to replace
   * one file.
   */
  public void indexAndAnalyze(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE INDEX IF NOT EXISTS "
              + table.substring(table.indexOf('.') + 1)
              + "_load_file_id ON "
              + table
              + " USING brin (load_file_id)");
      s.execute("ANALYZE " + table);
    }
  }

  /** The largest file loaded: a file is held in memory, whole, while its batch is prepared. */
  public static final long MAX_FILE_BYTES = 256L << 20;

  /** One input file: its name (the ledger key), size and a way to read its bytes. */
  public record Source(String name, long size, ChannelOpener open) {}

  /**
   * Loads one file ({@link #loadAll} with a batch of one).
   *
   * @param open opens the file for reading, from the start
   */
  public Result load(Connection c, String name, long size, ChannelOpener open)
      throws SQLException, IOException {
    return loadAll(c, List.of(new Source(name, size, open))).get(0);
  }

  /**
   * Loads a batch of files in one transaction and returns their results in the same order.
   *
   * <p>Each file is read once: its bytes are hashed and decoded to binary COPY tuples before the
   * transaction starts ({@link CopyEncoder}), so a bad file is known before anything is sent. Then,
   * in one transaction: a ledger row is created for every name not yet known and all the batch's
   * ledger rows are locked (in name order, so two loaders never deadlock and never load a file
   * twice); files whose ledger row has the same checksum and status {@code loaded} are {@link
   * Status#UNCHANGED}; the rows earlier versions of the others loaded are deleted; the ledger rows
   * are updated (loaded with their row counts, or rejected with the reason); and one binary {@code
   * COPY} sends all the batch's rows, each tagged with its file's ledger id. A failure anywhere
   * rolls the whole batch back.
   *
   * <p>A rejected file loses the rows its earlier version loaded: the table holds what the files
   * hold now, and the ledger says why a file has none.
   */
  public List<Result> loadAll(Connection c, List<Source> files) throws SQLException, IOException {
    int n = files.size();
    Prepared[] prepared = new Prepared[n];
    for (int i = 0; i < n; i++) {
      prepared[i] = prepare(files.get(i));
    }
    String[] names = new String[n];
    for (int i = 0; i < n; i++) {
      names[i] = prepared[i].name;
    }
    String[] sorted = names.clone();
    java.util.Arrays.sort(sorted);
    for (int i = 1; i < n; i++) {
      if (sorted[i].equals(sorted[i - 1])) {
        throw new IllegalArgumentException("a batch names " + sorted[i] + " twice");
      }
    }
    c.setAutoCommit(false);
    boolean committed = false;
    try {
      try (PreparedStatement ins =
          c.prepareStatement(
              "INSERT INTO "
                  + ledger
                  + " (file_name, size_bytes, sha256, rows, status) SELECT n, 0, '', 0, 'pending'"
                  + " FROM unnest(?::text[]) WITH ORDINALITY AS u(n, o) ORDER BY o"
                  + " ON CONFLICT (file_name) DO NOTHING")) {
        ins.setArray(1, c.createArrayOf("text", sorted));
        ins.executeUpdate();
      }
      java.util.Map<String, String[]> known = new java.util.HashMap<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT file_name, file_id, sha256, status FROM "
                  + ledger
                  + " WHERE file_name = ANY(?) ORDER BY file_name FOR UPDATE")) {
        ps.setArray(1, c.createArrayOf("text", sorted));
        try (ResultSet r = ps.executeQuery()) {
          while (r.next()) {
            known.put(
                r.getString(1), new String[] {r.getString(2), r.getString(3), r.getString(4)});
          }
        }
      }
      Result[] results = new Result[n];
      List<Long> stale = new java.util.ArrayList<>();
      List<Object[]> updates = new java.util.ArrayList<>();
      List<Prepared> copy = new java.util.ArrayList<>();
      long expectRows = 0;
      for (int i = 0; i < n; i++) {
        Prepared p = prepared[i];
        String[] k = known.get(p.name);
        if (k == null) {
          throw new SQLException("the ledger has no row for " + p.name + " after creating it");
        }
        long id = Long.parseLong(k[0]);
        boolean wasLoaded = "loaded".equals(k[2]);
        if (wasLoaded && p.sha.equals(k[1])) {
          results[i] = new Result(p.name, Status.UNCHANGED, 0, null);
          continue;
        }
        if (wasLoaded) {
          stale.add(id);
        }
        if (p.rejected != null) {
          updates.add(new Object[] {id, p.size, p.sha, 0L, "rejected", p.rejected});
          results[i] = new Result(p.name, Status.REJECTED, 0, p.rejected);
        } else {
          p.rows.setFileId(id);
          copy.add(p);
          expectRows += p.rows.rows;
          updates.add(new Object[] {id, p.size, p.sha, (long) p.rows.rows, "loaded", null});
          results[i] =
              new Result(p.name, wasLoaded ? Status.REPLACED : Status.LOADED, p.rows.rows, null);
        }
      }
      if (!stale.isEmpty()) {
        try (PreparedStatement del =
            c.prepareStatement("DELETE FROM " + table + " WHERE load_file_id = ANY(?)")) {
          del.setArray(1, c.createArrayOf("bigint", stale.toArray()));
          del.executeUpdate();
        }
      }
      if (!updates.isEmpty()) {
        updateLedger(c, updates);
      }
      if (!copy.isEmpty()) {
        CopyIn in =
            c.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn(
                    "COPY "
                        + table
                        + " ("
                        + String.join(", ", COLUMNS)
                        + ", load_file_id) FROM STDIN (FORMAT binary)");
        try {
          in.writeToCopy(CopyEncoder.HEADER, 0, CopyEncoder.HEADER.length);
          for (Prepared p : copy) {
            in.writeToCopy(p.rows.bytes, 0, p.rows.length);
          }
          in.writeToCopy(CopyEncoder.TRAILER, 0, CopyEncoder.TRAILER.length);
          long copied = in.endCopy();
          if (copied != expectRows) {
            throw new SQLException("COPY wrote " + copied + " rows of " + expectRows);
          }
        } finally {
          if (in.isActive()) {
            in.cancelCopy();
          }
        }
      }
      c.commit();
      committed = true;
      return java.util.Arrays.asList(results);
    } finally {
      endTransaction(c, committed);
    }
  }

  /** Opens a file's bytes. */
  @FunctionalInterface
  public interface ChannelOpener {
    SeekableByteChannel open() throws IOException;
  }

  /** A file read, hashed and encoded (or rejected), before its transaction. */
  private static final class Prepared {
    String name;
    long size;
    String sha;
    CopyEncoder.Encoded rows;
    String rejected;
  }

  private static Prepared prepare(Source s) throws IOException {
    Prepared p = new Prepared();
    p.name = s.name();
    try (SeekableByteChannel ch = s.open().open()) {
      long size = ch.size();
      p.size = size;
      if (size > MAX_FILE_BYTES) {
        p.sha = Checksums.sha256(s.open()::open);
        p.rejected =
            "too_large: "
                + size
                + " bytes; files over "
                + MAX_FILE_BYTES
                + " bytes are not loaded (split the file)";
        return p;
      }
      byte[] bytes = new byte[(int) size];
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // read the whole file
      }
      if (b.hasRemaining()) {
        throw new IOException(s.name() + " shrank while it was read");
      }
      p.sha = Checksums.sha256(bytes);
      try {
        p.rows = CopyEncoder.encode(ParquetChannels.input(bytes, s.name()));
      } catch (Rejected e) {
        p.rejected = e.getMessage();
      }
    }
    return p;
  }

  private void updateLedger(Connection c, List<Object[]> rows) throws SQLException {
    int n = rows.size();
    Object[][] cols = new Object[6][n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 6; k++) {
        cols[k][i] = rows.get(i)[k];
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + ledger
                + " l SET size_bytes = u.size, sha256 = u.sha, rows = u.rows, status = u.status,"
                + " reason = u.reason, loaded_at = now() FROM unnest(?::bigint[], ?::bigint[],"
                + " ?::text[], ?::bigint[], ?::text[], ?::text[]) AS u(id, size, sha, rows,"
                + " status, reason) WHERE l.file_id = u.id")) {
      String[] types = {"bigint", "bigint", "text", "bigint", "text", "text"};
      for (int k = 0; k < 6; k++) {
        ps.setArray(k + 1, c.createArrayOf(types[k], cols[k]));
      }
      int updated = ps.executeUpdate();
      if (updated != n) {
        throw new SQLException("updated " + updated + " ledger rows of " + n);
      }
    }
  }

  /** A file that cannot be loaded, with the reason. */
  static final class Rejected extends Exception {
    Rejected(String message) {
      super(message, null, false, false);
    }
  }
}
