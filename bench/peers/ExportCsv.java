import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * All rows of a directory of Data Wow Parquet files as one CSV (no header), for the single-stream
 * {@code psql \copy} peer: {@code java -cp duckdb_jdbc.jar ExportCsv.java DIR OUT.csv}.
 */
public class ExportCsv {
  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute(
          "COPY (SELECT department_name, sensor_serial, create_at, product_name, product_expire"
              + " FROM read_parquet('" + args[0].replace("'", "''") + "/*.parquet')) TO '"
              + args[1].replace("'", "''") + "' (HEADER false)");
    }
  }
}
