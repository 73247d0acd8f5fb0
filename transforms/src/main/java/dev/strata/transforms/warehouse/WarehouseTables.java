package dev.strata.transforms.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The warehouse's tables and their DDL: the data table ({@code schema.table}: the five {@link
 * #COLUMNS} and {@code load_file_id}) and its ledger ({@code <schema>.load_ledger}), the BRIN index
 * that replacing a file uses, and the least-privilege loading role. The column lengths are {@link
 * #MAX_CHARS}, which {@link CopyEncoder} checks values against.
 */
final class WarehouseTables {
  /** The five columns, in table order. */
  static final List<String> COLUMNS =
      List.of("department_name", "sensor_serial", "create_at", "product_name", "product_expire");

  /** {@code varchar(n)} length of each of {@link #COLUMNS}; 0 marks a {@code timestamp} column. */
  static final int[] MAX_CHARS = {32, 64, 0, 16, 0};

  final String table;
  final String ledger;
  final String schema;

  /** {@code table} like {@code dwh.data_sample}; the ledger is {@code <schema>.load_ledger}. */
  WarehouseTables(String table) {
    if (!table.matches("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "--table must be schema.table in lower case, not " + table);
    }
    this.table = table;
    this.schema = table.substring(0, table.indexOf('.'));
    this.ledger = schema + ".load_ledger";
  }

  /**
   * The data table's column definitions, e.g. {@code department_name varchar(32) NOT NULL, ...}.
   */
  static String columnDefinitions() {
    List<String> defs = new ArrayList<>();
    for (int i = 0; i < COLUMNS.size(); i++) {
      String type = MAX_CHARS[i] == 0 ? "timestamp" : "varchar(" + MAX_CHARS[i] + ")";
      defs.add(COLUMNS.get(i) + " " + type + " NOT NULL");
    }
    defs.add("load_file_id bigint NOT NULL");
    return String.join(", ", defs);
  }

  /**
   * Creates the schema, table and ledger if missing, and adds the ledger's {@code source_mtime}
   * (the file's modification time in ms when that version was read; null if unknown) to a ledger
   * made before it. Idempotent.
   */
  void create(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + ledger
              + " (file_id bigserial PRIMARY KEY, file_name text NOT NULL UNIQUE,"
              + " size_bytes bigint NOT NULL, sha256 text NOT NULL, rows bigint NOT NULL,"
              + " status text NOT NULL, reason text, loaded_at timestamptz NOT NULL DEFAULT now(),"
              + " source_mtime bigint)");
      // Ledgers made before source_mtime existed get it (empty: those files are read once more).
      s.execute("ALTER TABLE " + ledger + " ADD COLUMN IF NOT EXISTS source_mtime bigint");
      s.execute("CREATE TABLE IF NOT EXISTS " + table + " (" + columnDefinitions() + ")");
    }
  }

  /** {@link FileLoader#indexAndAnalyze}. */
  void indexAndAnalyze(Connection c) throws SQLException {
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

  /** {@link FileLoader#roleSql}. */
  String roleSql(String role, String password) {
    if (!role.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("a role name is lower-case letters, digits, _: " + role);
    }
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
}
