package dev.strata.transforms.warehouse;

import java.sql.Connection;
import java.sql.SQLException;

/** The loader's one way to end a transaction it began. */
final class Transactions {
  private Transactions() {}

  /**
   * Rolls back unless it committed, whatever was thrown (an {@code Error} too: turning auto-commit
   * back on would otherwise commit half a batch), then turns auto-commit back on.
   */
  static void end(Connection c, boolean committed) throws SQLException {
    try {
      if (!committed) {
        c.rollback();
      }
    } finally {
      c.setAutoCommit(true);
    }
  }
}
