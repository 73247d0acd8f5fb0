import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Writes a 1 % Bernoulli sample (seeded) of the (vol_moving_avg of day t-1, adj_close_rolling_med of
 * day t-1, Volume of day t) rows of a feature directory as CSV, for the scikit-learn peer to train
 * on, as the original solutions did: {@code java -cp duckdb_jdbc.jar ExportFeatures.java
 * FEATURES_DIR OUT.csv}.
 */
public class ExportFeatures {
  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute(
          "COPY (SELECT vma AS vol_moving_avg, med AS adj_close_rolling_med, \"Volume\" FROM"
              + " (SELECT \"Volume\", lag(vol_moving_avg) OVER w AS vma,"
              + " lag(adj_close_rolling_med) OVER w AS med FROM read_parquet('"
              + args[0]
              + "/*.parquet') WINDOW w AS (PARTITION BY \"Symbol\" ORDER BY \"Date\"))"
              + " WHERE vma IS NOT NULL AND med IS NOT NULL USING SAMPLE 1 PERCENT (bernoulli, 7))"
              + " TO '"
              + args[1]
              + "' (HEADER)");
    }
  }
}
