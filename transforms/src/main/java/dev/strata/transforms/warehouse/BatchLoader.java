package dev.strata.transforms.warehouse;

import dev.strata.transforms.common.Checksums;
import dev.strata.transforms.common.ParquetChannels;
import dev.strata.transforms.warehouse.FileLoader.Result;
import dev.strata.transforms.warehouse.FileLoader.Source;
import dev.strata.transforms.warehouse.FileLoader.Status;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The batch load behind {@link FileLoader#loadAll}: each file read once and hashed ({@link
 * Checksums}) before its transaction, and encoded ({@link CopyEncoder}) unless a read-only look-up
 * finds it loaded unchanged; then one transaction per batch that creates and locks the ledger rows,
 * deletes the rows of replaced versions, updates the ledger and sends all rows in one binary {@code
 * COPY}. A file that vanished or cannot be read is a result, never an exception.
 */
final class BatchLoader {
  private final WarehouseTables tables;

  BatchLoader(WarehouseTables tables) {
    this.tables = tables;
  }

  /** {@link FileLoader#loadAll}: results in the order of {@code files}. */
  List<Result> loadAll(Connection c, List<Source> files) throws SQLException, IOException {
    return loadAll(c, files, () -> {});
  }

  /**
   * {@link FileLoader#loadAll}, calling {@code decoded} once for every file it decodes: a file the
   * ledger already holds as {@code loaded} with the same checksum is read and hashed, not decoded.
   */
  List<Result> loadAll(Connection c, List<Source> files, Runnable decoded)
      throws SQLException, IOException {
    int n = files.size();
    Prepared[] prepared = new Prepared[n];
    for (int i = 0; i < n; i++) {
      prepared[i] = read(files.get(i));
    }
    String[] names = new String[n];
    for (int i = 0; i < n; i++) {
      names[i] = prepared[i].name;
    }
    String[] all = names.clone();
    java.util.Arrays.sort(all);
    for (int i = 1; i < n; i++) {
      if (all[i].equals(all[i - 1])) {
        throw new IllegalArgumentException("a batch names " + all[i] + " twice");
      }
    }
    // A file that vanished after it was listed gets no ledger row: verify would report a ledger
    // entry without its file.
    List<String> present = new java.util.ArrayList<>(n);
    for (Prepared p : prepared) {
      if (!p.vanished) {
        present.add(p.name);
      }
    }
    String[] sorted = present.toArray(new String[0]);
    java.util.Arrays.sort(sorted);
    if (sorted.length == 0) {
      Result[] results = new Result[n];
      for (int i = 0; i < n; i++) {
        results[i] = vanished(prepared[i]);
      }
      return java.util.Arrays.asList(results);
    }
    // Hash before decode: only files the ledger does not hold unchanged are decoded here. The
    // transaction checks again under its lock and decodes a file whose row changed in between.
    Map<String, String[]> before = LedgerQueries.rows(c, tables, sorted, false);
    for (Prepared p : prepared) {
      String[] b = before.get(p.name);
      if (!(b != null && "loaded".equals(b[2]) && p.sha != null && p.sha.equals(b[1]))) {
        encode(p, decoded);
      }
    }
    c.setAutoCommit(false);
    boolean committed = false;
    try {
      try (PreparedStatement ins =
          c.prepareStatement(
              "INSERT INTO "
                  + tables.ledger
                  + " (file_name, size_bytes, sha256, rows, status) SELECT n, 0, '', 0, 'pending'"
                  + " FROM unnest(?::text[]) WITH ORDINALITY AS u(n, o) ORDER BY o"
                  + " ON CONFLICT (file_name) DO NOTHING")) {
        ins.setArray(1, c.createArrayOf("text", sorted));
        ins.executeUpdate();
      }
      Map<String, String[]> known = LedgerQueries.rows(c, tables, sorted, true);
      Result[] results = new Result[n];
      List<Long> stale = new java.util.ArrayList<>();
      List<Object[]> updates = new java.util.ArrayList<>();
      List<long[]> touched = new java.util.ArrayList<>();
      List<Prepared> copy = new java.util.ArrayList<>();
      long expectRows = 0;
      for (int i = 0; i < n; i++) {
        Prepared p = prepared[i];
        if (p.vanished) {
          results[i] = vanished(p);
          continue;
        }
        String[] k = known.get(p.name);
        if (k == null) {
          throw new SQLException("the ledger has no row for " + p.name + " after creating it");
        }
        long id = Long.parseLong(k[0]);
        boolean wasLoaded = "loaded".equals(k[2]);
        if (wasLoaded && p.sha != null && p.sha.equals(k[1])) {
          results[i] = new Result(p.name, Status.UNCHANGED, 0, null);
          // Touched but identical: the ledger learns the version now on disk (its rows and
          // loaded_at stay), so the next listing knows it without reading it.
          if (p.mtime > 0
              && !(String.valueOf(p.mtime).equals(k[4]) && String.valueOf(p.size).equals(k[3]))) {
            touched.add(new long[] {id, p.size, p.mtime});
          }
          continue;
        }
        if (wasLoaded && p.unreadable) {
          // Not read is not changed: a passing I/O error must not empty a loaded file's rows.
          results[i] =
              new Result(
                  p.name, Status.REJECTED, 0, p.rejected + "; the version loaded before stays");
          continue;
        }
        if (wasLoaded) {
          stale.add(id);
        }
        encode(p, decoded); // a no-op unless the ledger row changed since the look-up
        if (p.rejected != null) {
          updates.add(
              new Object[] {
                id, p.size, p.sha == null ? "" : p.sha, 0L, "rejected", p.rejected, mtime(p)
              });
          results[i] = new Result(p.name, Status.REJECTED, 0, p.rejected);
        } else {
          p.rows.setFileId(id);
          copy.add(p);
          expectRows += p.rows.rows;
          updates.add(
              new Object[] {id, p.size, p.sha, (long) p.rows.rows, "loaded", null, mtime(p)});
          results[i] =
              new Result(p.name, wasLoaded ? Status.REPLACED : Status.LOADED, p.rows.rows, null);
        }
      }
      if (!stale.isEmpty()) {
        try (PreparedStatement del =
            c.prepareStatement("DELETE FROM " + tables.table + " WHERE load_file_id = ANY(?)")) {
          del.setArray(1, c.createArrayOf("bigint", stale.toArray()));
          del.executeUpdate();
        }
      }
      if (!updates.isEmpty()) {
        updateLedger(c, updates);
      }
      if (!touched.isEmpty()) {
        touchLedger(c, touched);
      }
      if (!copy.isEmpty()) {
        CopyIn in =
            c.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn(
                    "COPY "
                        + tables.table
                        + " ("
                        + String.join(", ", WarehouseTables.COLUMNS)
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
      Transactions.end(c, committed);
    }
  }

  /**
   * A file read and hashed (or rejected, or vanished) before its transaction, and encoded once it
   * is known not to be loaded unchanged.
   */
  private static final class Prepared {
    String name;
    long size;
    String sha;
    byte[] bytes; // the file, until it is encoded
    CopyEncoder.Encoded rows;
    String rejected;
    boolean vanished;
    boolean unreadable;
    long mtime; // as listed; 0 if unknown
  }

  /** The ledger's {@code source_mtime} of a read file: null when its listing gave none. */
  private static Long mtime(Prepared p) {
    return p.mtime > 0 ? p.mtime : null;
  }

  private static Result vanished(Prepared p) {
    return new Result(
        p.name, Status.REJECTED, 0, "vanished: " + p.name + " was listed but is gone; not loaded");
  }

  /**
   * Reads and hashes a file. A file that is gone ({@link NoSuchFileException}) is marked vanished;
   * any other read error rejects it as {@code unreadable}: neither throws, so one file never stops
   * the load.
   */
  private static Prepared read(Source s) {
    Prepared p = new Prepared();
    p.name = s.name();
    p.size = s.size();
    p.mtime = s.mtime();
    try {
      readInto(s, p);
    } catch (NoSuchFileException e) {
      p.vanished = true;
      p.sha = null;
      p.bytes = null;
    } catch (IOException | RuntimeException e) {
      p.sha = null;
      p.bytes = null;
      p.unreadable = true;
      p.rejected = "unreadable: " + (e.getMessage() != null ? e.getMessage() : e.toString());
    }
    return p;
  }

  private static void readInto(Source s, Prepared p) throws IOException {
    try (SeekableByteChannel ch = s.open().open()) {
      long size = ch.size();
      p.size = size;
      if (size > FileLoader.MAX_FILE_BYTES) {
        p.sha = Checksums.sha256(s.open()::open);
        p.rejected =
            "too_large: "
                + size
                + " bytes; files over "
                + FileLoader.MAX_FILE_BYTES
                + " bytes are not loaded (split the file)";
        return;
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
      p.bytes = bytes;
    }
  }

  /**
   * Decodes a read file into COPY tuples (or rejects it); a no-op if there is nothing to decode.
   */
  private static void encode(Prepared p, Runnable decoded) {
    if (p.bytes == null) {
      return;
    }
    byte[] bytes = p.bytes;
    p.bytes = null;
    decoded.run();
    try {
      p.rows = CopyEncoder.encode(ParquetChannels.input(bytes, p.name));
    } catch (FileLoader.Rejected e) {
      p.rejected = e.getMessage();
    }
  }

  private void updateLedger(Connection c, List<Object[]> rows) throws SQLException {
    int n = rows.size();
    Object[][] cols = new Object[7][n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 7; k++) {
        cols[k][i] = rows.get(i)[k];
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + tables.ledger
                + " l SET size_bytes = u.size, sha256 = u.sha, rows = u.rows, status = u.status,"
                + " reason = u.reason, source_mtime = u.mtime, loaded_at = now() FROM"
                + " unnest(?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::text[],"
                + " ?::text[], ?::bigint[]) AS u(id, size, sha, rows, status, reason, mtime)"
                + " WHERE l.file_id = u.id")) {
      String[] types = {"bigint", "bigint", "text", "bigint", "text", "text", "bigint"};
      for (int k = 0; k < 7; k++) {
        ps.setArray(k + 1, c.createArrayOf(types[k], cols[k]));
      }
      int updated = ps.executeUpdate();
      if (updated != n) {
        throw new SQLException("updated " + updated + " ledger rows of " + n);
      }
    }
  }

  /**
   * Records the size and modification time of files found unchanged (the same checksum under a new
   * modification time), leaving their rows, status and {@code loaded_at} as they are.
   */
  private void touchLedger(Connection c, List<long[]> rows) throws SQLException {
    Long[][] cols = new Long[3][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      for (int k = 0; k < 3; k++) {
        cols[k][i] = rows.get(i)[k];
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE "
                + tables.ledger
                + " l SET size_bytes = u.size, source_mtime = u.mtime FROM unnest(?::bigint[],"
                + " ?::bigint[], ?::bigint[]) AS u(id, size, mtime) WHERE l.file_id = u.id")) {
      for (int k = 0; k < 3; k++) {
        ps.setArray(k + 1, c.createArrayOf("bigint", cols[k]));
      }
      ps.executeUpdate();
    }
  }
}
