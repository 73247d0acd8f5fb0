package dev.strata.transforms.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;

/** Makes the next load take a time range again: {@link FileLoader#forgetRange}. */
final class Backfill {
  private final WarehouseTables tables;

  Backfill(WarehouseTables tables) {
    this.tables = tables;
  }

  /**
   * Forgets every file that loaded rows with {@code create_at} in {@code [from, to)}: their rows
   * and ledger entries go, in one transaction. Returns the number of files forgotten.
   */
  int forgetRange(Connection c, LocalDateTime from, LocalDateTime to) throws SQLException {
    c.setAutoCommit(false);
    boolean committed = false;
    try (PreparedStatement ids =
            c.prepareStatement(
                "CREATE TEMP TABLE forget ON COMMIT DROP AS SELECT DISTINCT load_file_id AS id FROM "
                    + tables.table
                    + " WHERE create_at >= ? AND create_at < ?");
        Statement s = c.createStatement()) {
      ids.setObject(1, from);
      ids.setObject(2, to);
      ids.execute();
      s.executeUpdate(
          "DELETE FROM " + tables.table + " WHERE load_file_id IN (SELECT id FROM forget)");
      int n =
          s.executeUpdate(
              "DELETE FROM " + tables.ledger + " WHERE file_id IN (SELECT id FROM forget)");
      c.commit();
      committed = true;
      return n;
    } finally {
      Transactions.end(c, committed);
    }
  }
}
