package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The market Parquet files against DuckDB: ours read by DuckDB value for value, and files written
 * by DuckDB (other encodings: dictionary floats, its own page layout) read by ours.
 */
public class MarketParquetTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static List<BarSeries> read(Path file) throws Exception {
    List<BarSeries> out = new ArrayList<>();
    try (SeekableByteChannel ch = Files.newByteChannel(file)) {
      MarketParquet.readSeries(ch, file.toString(), out::add);
    }
    return out;
  }

  @Test
  public void ourFilesRoundTripAndDuckDbReadsTheSameValues() throws Exception {
    Path file = tmp.getRoot().toPath().resolve("f.parquet");
    String src = file.toString();
    BarSeries a =
        BarSeries.builder("AGM$A", "Federal \"Farmer Mac\", Inc.", src)
            .add(LocalDate.of(1962, 1, 2), 0f, 2.5f, 0.25f, 1.5f, 6.281419e-07f, 806400)
            .add(LocalDate.of(2020, 4, 1), 38.235f, 39f, 37f, 38.5f, 38.5f, 0)
            .build();
    BarSeries b =
        BarSeries.builder("ZZZ", null, src)
            .add(LocalDate.of(2021, 1, 27), 1f, 1f, 1f, 1f, 1f, Long.MAX_VALUE)
            .build();
    BarSeries bf = RollingFeatures.compute(b, WindowSpec.rows(1));
    BarSeries af = RollingFeatures.compute(a, WindowSpec.rows(2));
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      MarketParquet.Sink sink = MarketParquet.Sink.features();
      sink.open(ch);
      sink.write(af);
      sink.write(bf);
      sink.flush();
    }
    List<BarSeries> back = read(file);
    assertEquals(List.of(a, b), back); // every column, bit for bit (features are not read back)
    List<BarSeries> withFeatures = new ArrayList<>();
    try (SeekableByteChannel ch = Files.newByteChannel(file)) {
      MarketParquet.readSeries(ch, src, true, withFeatures::add);
    }
    assertEquals(List.of(af, bf), withFeatures); // and with them, nulls included
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT \"Symbol\", \"Security Name\", \"Date\", \"Open\","
                    + " \"Adj Close\", \"Volume\", vol_moving_avg, adj_close_rolling_med"
                    + " FROM read_parquet('"
                    + file
                    + "') ORDER BY \"Symbol\", \"Date\"")) {
      r.next();
      assertEquals("AGM$A", r.getString(1));
      assertEquals("Federal \"Farmer Mac\", Inc.", r.getString(2));
      assertEquals("1962-01-02", r.getString(3));
      assertEquals(0f, r.getFloat(4), 0f);
      assertEquals(6.281419e-07f, r.getFloat(5), 0f);
      assertEquals(806400L, r.getLong(6));
      assertNull(r.getObject(7));
      assertNull(r.getObject(8));
      r.next();
      assertEquals((806400 + 0) / 2.0, r.getDouble(7), 0.0);
      assertEquals(((double) 6.281419e-07f + 38.5) / 2.0, r.getDouble(8), 0.0);
      r.next();
      assertEquals("ZZZ", r.getString(1));
      assertNull(r.getString(2));
      assertEquals(Long.MAX_VALUE, r.getLong(6));
    }
  }

  @Test
  public void readsFilesWrittenByDuckDbWithOtherEncodings() throws Exception {
    Path file = tmp.getRoot().toPath().resolve("duck.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      // few distinct float values: DuckDB dictionary-encodes them; rows of a symbol contiguous
      s.execute(
          "COPY (SELECT CASE WHEN i < 3000 THEN 'AAA' ELSE 'BBB' END AS \"Symbol\","
              + " CASE WHEN i < 3000 THEN 'A name' END AS \"Security Name\","
              + " strftime(DATE '2000-01-01' + i::INTEGER, '%Y-%m-%d') AS \"Date\","
              + " (i % 7)::FLOAT AS \"Open\", (i % 5)::FLOAT AS \"High\", (i % 3)::FLOAT AS \"Low\","
              + " (i % 11)::FLOAT AS \"Close\", (i % 13)::FLOAT / 4 AS \"Adj Close\","
              + " (i % 17)::BIGINT * 1000 AS \"Volume\" FROM range(5000) t(i) ORDER BY i)"
              + " TO '"
              + file
              + "' (FORMAT parquet, ROW_GROUP_SIZE 2048)");
    }
    List<BarSeries> back = read(file);
    long rows = 0;
    for (BarSeries s : back) {
      for (int k = 0; k < s.size(); k++) {
        int i = (int) (s.epochDay(k) - LocalDate.of(2000, 1, 1).toEpochDay());
        assertEquals(i < 3000 ? "AAA" : "BBB", s.symbol());
        assertEquals(i < 3000 ? "A name" : null, s.securityName());
        assertEquals(i % 7, s.open(k), 0f);
        assertEquals(i % 11, s.close(k), 0f);
        assertEquals((i % 13) / 4f, s.adjClose(k), 0f);
        assertEquals((i % 17) * 1000L, s.volume(k));
        rows++;
      }
    }
    assertEquals(5000, rows);
    assertEquals("AAA", back.get(0).symbol());
  }
}
