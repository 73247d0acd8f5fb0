import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * The readings of a directory of {@code generate-sensors} Parquet files as one CSV in the real
 * Machina file's layout (header, ISO-8601 times in UTC with {@code Z}), for the pandas peer, which
 * cannot read Parquet without pyarrow: {@code java -cp duckdb_jdbc.jar ExportReadingsCsv.java DIR
 * OUT.csv}.
 */
public class ExportReadingsCsv {
  public static void main(String[] args) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute("SET TimeZone = 'UTC'");
      s.execute(
          "COPY (SELECT * FROM read_parquet('" + args[0].replace("'", "''") + "/*.parquet'))"
              + " TO '" + args[1].replace("'", "''") + "' (HEADER true)");
    }
  }
}
