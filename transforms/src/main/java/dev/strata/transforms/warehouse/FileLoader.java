package dev.strata.transforms.warehouse;

import dev.strata.transforms.common.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SeekableByteChannel;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

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
 *
 * <p>The one entry point of the warehouse load; the work is done by {@link WarehouseTables} (DDL,
 * index, role), {@link Backfill} ({@link #forgetRange}), {@link LedgerQueries} ({@link
 * #checkTable}, {@link #committedSince}, {@link #ledger}) and {@link BatchLoader} ({@link
 * #loadAll}).
 */
public final class FileLoader {
  /** The five columns, in table order. */
  public static final List<String> COLUMNS = WarehouseTables.COLUMNS;

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

  private final WarehouseTables tables;
  private final Backfill backfill;
  private final LedgerQueries queries;
  private final BatchLoader batches;

  /** {@code table} like {@code dwh.data_sample}; the ledger is {@code <schema>.load_ledger}. */
  public FileLoader(String table) {
    this.tables = new WarehouseTables(table);
    this.backfill = new Backfill(tables);
    this.queries = new LedgerQueries(tables);
    this.batches = new BatchLoader(tables);
  }

  /** Creates the schema, table and ledger if missing. Idempotent. */
  public void createTables(Connection c) throws SQLException {
    tables.create(c);
  }

  /**
   * Forgets every file that loaded rows with {@code create_at} in {@code [from, to)}: their rows
   * and ledger entries go, in one transaction, so that the next load takes them again (a backfill).
   * Returns the number of files forgotten.
   */
  public int forgetRange(Connection c, LocalDateTime from, LocalDateTime to) throws SQLException {
    return backfill.forgetRange(c, from, to);
  }

  /**
   * SQL for a least-privilege role that can only read and add rows in this schema: {@code USAGE} on
   * the schema, {@code SELECT, INSERT} on its tables (now and later), the ledger's sequence, and
   * {@code UPDATE} on the ledger alone (a load locks and records its files' ledger rows). It can
   * load new files; replacing a changed file or a backfill deletes rows, which this role cannot:
   * run those as the schema's owner.
   */
  public String roleSql(String role, String password) {
    return tables.roleSql(role, password);
  }

  /**
   * Compares the ledger with the table: for every loaded file the table holds exactly its ledger
   * row count, and no row belongs to a file the ledger does not know. Returns the differences
   * (empty when consistent).
   */
  public List<String> checkTable(Connection c) throws SQLException {
    return queries.checkTable(c);
  }

  /**
   * Files committed since {@code since} (the database's clock, {@code SELECT now()}): {loaded or
   * replaced files, their rows, rejected files}. Counts only committed work, from any worker.
   */
  public long[] committedSince(Connection c, Timestamp since) throws SQLException {
    return queries.committedSince(c, since);
  }

  /**
   * A ledger row as a status line reads it: the version's size and modification time ({@code
   * source_mtime}, -1 if unknown), its status and rows, and when it was committed ({@code
   * loaded_at}, as text: it changes whenever the file is loaded or rejected again).
   */
  public record Version(long size, long mtime, String status, long rows, String loadedAt) {}

  /** Every ledger row, by file name ({@link Version}); one query. */
  public Map<String, Version> versions(Connection c) throws SQLException {
    return queries.versions(c);
  }

  /** Ledger entries: file name to (sha256, status). */
  public Map<String, String[]> ledger(Connection c) throws SQLException {
    return queries.ledger(c);
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
    tables.indexAndAnalyze(c);
  }

  /** The largest file loaded: a file is held in memory, whole, while its batch is prepared. */
  public static final long MAX_FILE_BYTES = 256L << 20;

  /**
   * One input file: its name (the ledger key), size, a way to read its bytes, and its modification
   * time in ms as listed ({@code mtime}, 0 if unknown), which the ledger records as {@code
   * source_mtime} so that a listing can tell a known version without reading it.
   */
  public record Source(String name, long size, ChannelOpener open, long mtime) {
    /** A file whose modification time is not known. */
    public Source(String name, long size, ChannelOpener open) {
      this(name, size, open, 0);
    }
  }

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
   * <p>Each file is read once and hashed before the transaction starts; one read-only ledger query
   * then finds the files already loaded with that checksum, and only the others are decoded to
   * binary COPY tuples ({@link CopyEncoder}), so a bad file is known before anything is sent and a
   * rerun of unchanged files decodes nothing. A file that is gone ({@link
   * java.nio.file.NoSuchFileException}) is rejected as {@code vanished} with no ledger row; any
   * other read error rejects it as {@code unreadable}. Then, in one transaction: a ledger row is
   * created for every name not yet known and all the batch's ledger rows are locked (in name order,
   * so two loaders never deadlock and never load a file twice); files whose ledger row has the same
   * checksum and status {@code loaded} are {@link Status#UNCHANGED}; the rows earlier versions of
   * the others loaded are deleted; the ledger rows are updated (loaded with their row counts, or
   * rejected with the reason; a file whose row changed since the read-only query is decoded here);
   * and one binary {@code COPY} sends all the batch's rows, each tagged with its file's ledger id.
   * A failure anywhere rolls the whole batch back.
   *
   * <p>A rejected file loses the rows its earlier version loaded: the table holds what the files
   * hold now, and the ledger says why a file has none.
   */
  public List<Result> loadAll(Connection c, List<Source> files) throws SQLException, IOException {
    return batches.loadAll(c, files);
  }

  /**
   * {@link #loadAll}, calling {@code decoded} for every file it decodes ({@link LoadToPostgres}).
   */
  List<Result> loadAll(Connection c, List<Source> files, Runnable decoded)
      throws SQLException, IOException {
    return batches.loadAll(c, files, decoded);
  }

  /** Opens a file's bytes. */
  @FunctionalInterface
  public interface ChannelOpener {
    SeekableByteChannel open() throws IOException;
  }

  /** A file that cannot be loaded, with the reason. */
  static final class Rejected extends Exception {
    Rejected(String message) {
      super(message, null, false, false);
    }
  }
}
