package dev.strata.transforms.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the ledger says, for the warehouse's verify and progress: the ledger against the table, the
 * work committed since an instant, the ledger's entries. Read-only.
 */
final class LedgerQueries {
  private final WarehouseTables tables;

  LedgerQueries(WarehouseTables tables) {
    this.tables = tables;
  }

  /** {@link FileLoader#checkTable}. */
  List<String> checkTable(Connection c) throws SQLException {
    List<String> problems = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT coalesce(l.file_name, '<no ledger row: file_id ' || t.id || '>'),"
                    + " coalesce(l.rows, 0), coalesce(t.n, 0) FROM (SELECT load_file_id AS id,"
                    + " count(*) AS n FROM "
                    + tables.table
                    + " GROUP BY 1) t FULL JOIN (SELECT * FROM "
                    + tables.ledger
                    + " WHERE status = 'loaded') l ON l.file_id = t.id"
                    + " WHERE coalesce(l.rows, 0) <> coalesce(t.n, 0)")) {
      while (r.next()) {
        problems.add(
            r.getString(1) + ": ledger says " + r.getLong(2) + " rows, table has " + r.getLong(3));
      }
    }
    return problems;
  }

  /** {@link FileLoader#committedSince}. */
  long[] committedSince(Connection c, Timestamp since) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FILTER (WHERE status = 'loaded'), coalesce(sum(rows), 0),"
                + " count(*) FILTER (WHERE status = 'rejected') FROM "
                + tables.ledger
                + " WHERE loaded_at >= ?")) {
      ps.setTimestamp(1, since);
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        return new long[] {r.getLong(1), r.getLong(2), r.getLong(3)};
      }
    }
  }

  /** {@link FileLoader#versions}. */
  Map<String, FileLoader.Version> versions(Connection c) throws SQLException {
    Map<String, FileLoader.Version> m = new java.util.HashMap<>();
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT file_name, size_bytes, coalesce(source_mtime, -1), status, rows,"
                    + " loaded_at::text FROM "
                    + tables.ledger)) {
      while (r.next()) {
        m.put(
            r.getString(1),
            new FileLoader.Version(
                r.getLong(2), r.getLong(3), r.getString(4), r.getLong(5), r.getString(6)));
      }
    }
    return m;
  }

  /** {@link FileLoader#ledger}. */
  Map<String, String[]> ledger(Connection c) throws SQLException {
    Map<String, String[]> m = new TreeMap<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT file_name, sha256, status FROM " + tables.ledger)) {
      while (r.next()) {
        m.put(r.getString(1), new String[] {r.getString(2), r.getString(3)});
      }
    }
    return m;
  }

  /**
   * The ledger's {file_id, sha256, status, size_bytes, source_mtime (null if unknown)} for each of
   * {@code names} it holds. Without {@code lock}: one read-only query, outside any transaction of
   * the caller's, so it takes no lock (the load checks again under its lock). With it: the rows
   * locked {@code FOR UPDATE}, in name order (so that concurrent loads lock in the same order);
   * {@code names} must be sorted.
   */
  static Map<String, String[]> rows(
      Connection c, WarehouseTables tables, String[] names, boolean lock) throws SQLException {
    Map<String, String[]> m = new java.util.HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT file_name, file_id, sha256, status, size_bytes, source_mtime FROM "
                + tables.ledger
                + " WHERE file_name = ANY(?)"
                + (lock ? " ORDER BY file_name FOR UPDATE" : ""))) {
      ps.setArray(1, c.createArrayOf("text", names));
      try (ResultSet r = ps.executeQuery()) {
        while (r.next()) {
          m.put(
              r.getString(1),
              new String[] {
                r.getString(2), r.getString(3), r.getString(4), r.getString(5), r.getString(6)
              });
        }
      }
    }
    return m;
  }
}
