import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/**
 * Prints the run_uuid of the run with the most grid rows in a sensors-job output, read with DuckDB:
 * {@code java -cp duckdb_jdbc.jar bench/peers/LongestRun.java OUT}.
 */
public class LongestRun {
  public static void main(String[] args) throws Exception {
    String glob = args[0].replace("'", "''") + "/runs/*/*.parquet";
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        ResultSet r =
            c.createStatement()
                .executeQuery(
                    "SELECT regexp_extract(filename, 'run_uuid=([^/]+)/', 1) AS id, count(*) AS n"
                        + " FROM read_parquet('" + glob + "', filename = true)"
                        + " GROUP BY id ORDER BY n DESC, id LIMIT 1")) {
      if (!r.next()) {
        throw new IllegalStateException("no runs under " + args[0] + "/runs");
      }
      System.out.println(r.getString(1));
    }
  }
}
