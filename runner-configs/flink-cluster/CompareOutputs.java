import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Compares two runs of the same job row by row, not byte by byte: every Parquet dataset under
 * {@code A} (a folder holding *.parquet files, at any depth) must hold the same multiset of rows as
 * the same folder under {@code B} (DuckDB, EXCEPT ALL both ways), and with {@code --pg} two
 * PostgreSQL tables likewise (the load_file_id column, a ledger id, is left out). Prints one line
 * per dataset and exits 1 on any difference.
 *
 * <pre>
 * java -cp strata.jar:duckdb_jdbc.jar CompareOutputs.java parquet A B
 * java -cp strata.jar CompareOutputs.java pg JDBC_URL TABLE_A TABLE_B
 * </pre>
 */
public class CompareOutputs {
  public static void main(String[] args) throws Exception {
    int differences =
        switch (args[0]) {
          case "parquet" -> parquet(Path.of(args[1]), Path.of(args[2]));
          case "pg" -> pg(args[1], args[2], args[3]);
          default -> throw new IllegalArgumentException("parquet A B | pg URL TABLE_A TABLE_B");
        };
    System.exit(differences == 0 ? 0 : 1);
  }

  static int parquet(Path a, Path b) throws Exception {
    List<Path> datasets = new ArrayList<>();
    try (Stream<Path> s = Files.walk(a)) {
      s.filter(Files::isDirectory)
          .filter(d -> !d.getFileName().toString().startsWith("."))
          .filter(CompareOutputs::hasParquet)
          .sorted()
          .forEach(datasets::add);
    }
    if (datasets.isEmpty()) {
      System.out.println("no Parquet under " + a);
      return 1;
    }
    int bad = 0;
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = duck.createStatement()) {
      for (Path d : datasets) {
        Path other = b.resolve(a.relativize(d));
        String name = a.relativize(d).toString();
        if (!hasParquet(other)) {
          System.out.printf("%-40s DIFFERENT: missing in %s%n", name, b);
          bad++;
          continue;
        }
        String x = "read_parquet('" + d + "/*.parquet', union_by_name=true)";
        String y = "read_parquet('" + other + "/*.parquet', union_by_name=true)";
        if (hasColumn(st, x, "recomputed_at")) {
          // when a run's statistics were computed differs between any two runs
          x = "(SELECT * EXCLUDE (recomputed_at) FROM " + x + ")";
          y = "(SELECT * EXCLUDE (recomputed_at) FROM " + y + ")";
        }
        long[] r = one(st, x, y);
        boolean same = r[0] == r[1] && r[2] == 0 && r[3] == 0;
        System.out.printf(
            "%-40s %s: %,d rows vs %,d; %,d only in the first, %,d only in the second%n",
            name, same ? "same" : "DIFFERENT", r[0], r[1], r[2], r[3]);
        bad += same ? 0 : 1;
      }
    }
    return bad;
  }

  static boolean hasColumn(Statement st, String from, String column) throws Exception {
    try (ResultSet r = st.executeQuery("SELECT * FROM " + from + " LIMIT 0")) {
      for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
        if (r.getMetaData().getColumnName(i).equals(column)) {
          return true;
        }
      }
      return false;
    }
  }

  static boolean hasParquet(Path d) {
    try (Stream<Path> s = Files.list(d)) {
      return s.anyMatch(f -> f.getFileName().toString().endsWith(".parquet"));
    } catch (Exception e) {
      return false;
    }
  }

  static int pg(String url, String a, String b) throws Exception {
    String cols = "department_name, sensor_serial, create_at, product_name, product_expire";
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      long[] r =
          one(st, "(SELECT " + cols + " FROM " + a + ")", "(SELECT " + cols + " FROM " + b + ")");
      boolean same = r[0] == r[1] && r[2] == 0 && r[3] == 0;
      System.out.printf(
          "%-40s %s: %,d rows vs %,d; %,d only in the first, %,d only in the second%n",
          a + " vs " + b, same ? "same" : "DIFFERENT", r[0], r[1], r[2], r[3]);
      return same ? 0 : 1;
    }
  }

  /** Counts of x and y, and of the rows of each that the other lacks (as multisets). */
  static long[] one(Statement st, String x, String y) throws Exception {
    try (ResultSet r =
        st.executeQuery(
            "SELECT (SELECT count(*) FROM " + x + " t), (SELECT count(*) FROM " + y + " t),"
                + " (SELECT count(*) FROM (SELECT * FROM " + x + " t EXCEPT ALL SELECT * FROM " + y
                + " u) d), (SELECT count(*) FROM (SELECT * FROM " + y + " u EXCEPT ALL SELECT *"
                + " FROM " + x + " t) d)")) {
      r.next();
      return new long[] {r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)};
    }
  }
}
