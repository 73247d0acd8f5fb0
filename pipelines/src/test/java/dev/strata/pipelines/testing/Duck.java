package dev.strata.pipelines.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * DuckDB as the tests' independent oracle over the Parquet the jobs write: an in-memory database
 * and the few query shapes the tests use.
 */
public final class Duck implements AutoCloseable {
  private final Connection connection;

  private Duck(Connection connection) {
    this.connection = connection;
  }

  /** A fresh in-memory DuckDB. */
  public static Duck open() throws SQLException {
    return new Duck(DriverManager.getConnection("jdbc:duckdb:"));
  }

  public Connection connection() {
    return connection;
  }

  /** The first column of the first row of {@code sql}, as a long. */
  public long scalar(String sql) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  /** Rows of {@code from} (a table, a view or {@code read_parquet(...)}). */
  public long count(String from) throws SQLException {
    return scalar("SELECT count(*) FROM " + from);
  }

  /** Rows of {@code a} not in {@code b} plus rows of {@code b} not in {@code a}, as multisets. */
  public long difference(String a, String b) throws SQLException {
    return scalar(
        String.format(
            "SELECT (SELECT count(*) FROM (FROM %1$s EXCEPT ALL FROM %2$s))"
                + " + (SELECT count(*) FROM (FROM %2$s EXCEPT ALL FROM %1$s))",
            a, b));
  }

  /** Every row of {@code sql}, each as its columns' text. */
  public List<List<String>> query(String sql) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      int n = r.getMetaData().getColumnCount();
      while (r.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          row.add(r.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  public void exec(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
