package dev.strata.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.duckdb.DuckDBConnection;

/**
 * Reads the sensors job's output ({@code <runs>/run_stats/*.parquet} and {@code
 * <runs>/runs/run_uuid=<id>/*.parquet}) with DuckDB, for {@code /runs}. Blocking: call from worker
 * threads. One in-memory DuckDB database; each call takes its own connection to it.
 */
final class RunsService implements AutoCloseable {
  /** Run ids are decimal strings or UUID-like text; anything else cannot name a directory. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

  private final Path root;
  private final DuckDBConnection db;

  /**
   * @param memoryMb DuckDB's {@code memory_limit}: without it DuckDB may take 80 % of the machine's
   *     memory, outside the JVM's heap and its {@code -Xmx}
   * @param threads DuckDB's {@code threads} (default: one per core)
   */
  RunsService(Path root, int memoryMb, int threads) throws SQLException {
    this.root = root.toAbsolutePath();
    java.util.Properties props = new java.util.Properties();
    // Results complete inside executeQuery; a result read later (a slow client's) never waits on
    // DuckDB's executor, and its memory counts against memory_limit like any other.
    props.setProperty("jdbc_stream_results", "false");
    this.db = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:", props);
    try (Statement s = db.createStatement()) {
      s.execute("SET memory_limit = '" + memoryMb + "MiB'");
      s.execute("SET threads = " + threads);
      // Sorting a long run beyond the limit spills here instead of failing the query.
      Path spill =
          Path.of(
              System.getProperty("java.io.tmpdir"),
              "strata-api-duckdb-" + ProcessHandle.current().pid());
      s.execute("SET temp_directory = '" + sql(spill.toString()) + "'");
    } catch (SQLException e) {
      db.close();
      throw e;
    }
  }

  /** A DuckDB setting's current value, e.g. {@code memory_limit}. */
  String setting(String name) throws SQLException {
    try (Connection c = db.duplicate();
        PreparedStatement ps = c.prepareStatement("SELECT current_setting(?)")) {
      ps.setString(1, name);
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        return r.getString(1);
      }
    }
  }

  Path root() {
    return root;
  }

  private String statsGlob() {
    return sql(root.resolve("run_stats").toString()) + "/*.parquet";
  }

  private static String sql(String s) {
    return s.replace("'", "''");
  }

  /** The directory of a run, or null if there is no such run. */
  Path runDir(String id) {
    if (!ID.matcher(id).matches() || id.startsWith(".")) {
      return null;
    }
    Path dir = root.resolve("runs").resolve("run_uuid=" + id);
    return Files.isDirectory(dir) ? dir : null;
  }

  JsonArray allStats() throws SQLException {
    return query(null, false);
  }

  /** One run's statistics, or null. */
  JsonObject stats(String id) throws SQLException {
    if (runDir(id) == null) {
      return null;
    }
    JsonArray rows = query(id, true);
    return rows.isEmpty() ? null : rows.getJsonObject(0);
  }

  private JsonArray query(String id, boolean one) throws SQLException {
    if (!Files.isDirectory(root.resolve("run_stats"))) {
      return new JsonArray();
    }
    String from = "read_parquet('" + statsGlob() + "')";
    try (Connection c = db.duplicate()) {
      // Timestamps of any precision or zone flag (our files: ns, UTC) come back as epoch ns.
      List<String> names = new ArrayList<>();
      List<Boolean> isTime = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM " + from)) {
        while (r.next()) {
          names.add(r.getString(1));
          isTime.add(r.getString(2).startsWith("TIMESTAMP"));
        }
      }
      StringBuilder select = new StringBuilder("SELECT ");
      for (int i = 0; i < names.size(); i++) {
        String q = "\"" + names.get(i).replace("\"", "\"\"") + "\"";
        select.append(i > 0 ? ", " : "").append(isTime.get(i) ? "epoch_ns(" + q + ")" : q);
      }
      select
          .append(" FROM ")
          .append(from)
          .append(one ? " WHERE run_uuid = ?" : "")
          .append(names.contains("start_time") ? " ORDER BY start_time, run_uuid" : "");
      try (PreparedStatement ps = c.prepareStatement(select.toString())) {
        if (one) {
          ps.setString(1, id);
        }
        JsonArray out = new JsonArray();
        try (ResultSet r = ps.executeQuery()) {
          ResultSetMetaData md = r.getMetaData();
          while (r.next()) {
            JsonObject o = new JsonObject();
            for (int i = 1; i <= names.size(); i++) {
              Object v;
              if (isTime.get(i - 1)) {
                long ns = r.getLong(i);
                v = r.wasNull() ? null : java.time.Instant.ofEpochSecond(0, ns).toString();
              } else {
                v = value(r, i, md.getColumnType(i));
              }
              o.put(names.get(i - 1), v);
            }
            out.add(o);
          }
        }
        return out;
      }
    }
  }

  private static Object value(ResultSet r, int i, int type) throws SQLException {
    Object v = r.getObject(i);
    if (v == null) {
      return null;
    }
    if (v instanceof OffsetDateTime t) {
      return t.toInstant().toString();
    }
    if (v instanceof java.sql.Timestamp t) {
      return t.toInstant().toString();
    }
    return switch (type) {
      case Types.DOUBLE, Types.FLOAT, Types.REAL, Types.DECIMAL -> r.getDouble(i);
      case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> r.getLong(i);
      case Types.BOOLEAN -> r.getBoolean(i);
      default -> v.toString();
    };
  }

  /** The columns of a run's table, in file order. */
  List<String> columns(Path runDir) throws SQLException {
    List<String> cols = new ArrayList<>();
    try (Connection c = db.duplicate();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "DESCRIBE SELECT * FROM read_parquet('"
                    + sql(runDir.toString())
                    + "/*.parquet', hive_partitioning = false)")) {
      while (r.next()) {
        cols.add(r.getString(1));
      }
    }
    return cols;
  }

  /** Receives sample rows: time (ISO-8601) and the requested columns (null as null). */
  interface RowSink {
    void row(String time, Double[] values) throws IOException;
  }

  /** Streams a run's rows in time order to {@code sink}; returns the number of rows. */
  long samples(Path runDir, List<String> columns, String from, String to, long limit, RowSink sink)
      throws SQLException, IOException {
    long n = 0;
    try (Cursor c = open(runDir, columns, from, to, limit)) {
      while (c.next(sink)) {
        n++;
      }
    }
    return n;
  }

  /** The number of rows of a run. */
  long count(Path runDir) throws SQLException {
    try (Connection c = db.duplicate();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT count(*) FROM read_parquet('"
                    + sql(runDir.toString())
                    + "/*.parquet', hive_partitioning = false)")) {
      r.next();
      return r.getLong(1);
    }
  }

  /**
   * An open query over a run's rows in time order, read a row at a time: the caller decides when to
   * read on, so a slow client holds a result, not a thread. The result is complete when this
   * returns (results are not streamed, see the constructor), so reading it never waits for DuckDB.
   * Not thread-safe; use from one thread at a time.
   */
  Cursor open(Path runDir, List<String> columns, String from, String to, long limit)
      throws SQLException {
    StringBuilder q = new StringBuilder("SELECT epoch_ns(time)");
    for (String c : columns) {
      q.append(", \"").append(c).append('"');
    }
    q.append(" FROM read_parquet('")
        .append(sql(runDir.toString()))
        .append("/*.parquet', hive_partitioning = false) WHERE true");
    if (from != null) {
      q.append(" AND time >= CAST(? AS TIMESTAMPTZ)");
    }
    if (to != null) {
      q.append(" AND time <= CAST(? AS TIMESTAMPTZ)");
    }
    q.append(" ORDER BY time LIMIT ").append(limit);
    Connection c = db.duplicate();
    try {
      PreparedStatement ps = c.prepareStatement(q.toString());
      int p = 1;
      if (from != null) {
        ps.setString(p++, from);
      }
      if (to != null) {
        ps.setString(p, to);
      }
      return new Cursor(c, ps, ps.executeQuery(), columns.size());
    } catch (SQLException e) {
      c.close();
      throw busyIfOutOfMemory(e);
    }
  }

  /**
   * A query that did not fit DuckDB's {@code memory_limit} (with the other queries running) is a
   * 503 for the client to retry, not a server error: the limit is doing its job.
   */
  static SQLException busyIfOutOfMemory(SQLException e) {
    String m = e.getMessage();
    if (m != null && m.contains("Out of Memory")) {
      throw new ApiError(
          503, "the server is short of query memory now; retry shortly", null, e.getMessage());
    }
    return e;
  }

  /** See {@link #open}. */
  static final class Cursor implements AutoCloseable {
    private final Connection connection;
    private final PreparedStatement statement;
    private final ResultSet rows;
    private final Double[] values;

    private Cursor(Connection connection, PreparedStatement statement, ResultSet rows, int n) {
      this.connection = connection;
      this.statement = statement;
      this.rows = rows;
      this.values = new Double[n];
    }

    /** Hands the next row to {@code sink}; false when there are no more rows. */
    boolean next(RowSink sink) throws SQLException, IOException {
      if (!rows.next()) {
        return false;
      }
      long ns = rows.getLong(1);
      for (int i = 0; i < values.length; i++) {
        double v = rows.getDouble(i + 2);
        values[i] = rows.wasNull() ? null : v;
      }
      sink.row(java.time.Instant.ofEpochSecond(0, ns).toString(), values);
      return true;
    }

    @Override
    public void close() throws SQLException {
      try (connection;
          statement;
          rows) {
        // closes all three
      }
    }
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }
}
