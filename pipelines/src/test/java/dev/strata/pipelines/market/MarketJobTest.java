package dev.strata.pipelines.market;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.model.FeatureBatch;
import dev.strata.model.VolumeModel;
import dev.strata.pipelines.launcher.Json;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.testing.Duck;
import dev.strata.pipelines.testing.JobRun;
import dev.strata.transforms.common.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The market job on the real sample (60 real files from the Kaggle layout, copied from
 * shared/data/stocks-sample), checked against an independent oracle: DuckDB computes the same
 * validation and the 30-row features with SQL window functions straight from the CSVs, and every
 * row of our Parquet output must match it. The train stage's test split, lag and naive baseline are
 * recomputed by DuckDB from the feature files. Then the runner matrix: embedded Flink must produce
 * the same rows as the DirectRunner.
 */
public class MarketJobTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  static final Path SAMPLE = Path.of("src/test/resources/stocks-sample").toAbsolutePath();
  static Path directOut;
  static Map<String, StageRunner.Outcome> directRun;
  static Duck duck;

  static Map<String, StageRunner.Outcome> runMarket(Path input, Path output, String... extra)
      throws Exception {
    return JobRun.direct(MarketJob::run, MarketOptions.class, input, output, extra);
  }

  @BeforeClass
  public static void runOnDirectRunner() throws Exception {
    directOut = TMP.newFolder("direct").toPath();
    directRun = runMarket(SAMPLE, directOut, "--runner=DirectRunner");
    duck = Duck.open();
  }

  @AfterClass
  public static void close() throws Exception {
    if (duck != null) {
      duck.close();
    }
  }

  static long scalar(String sql) throws Exception {
    return duck.scalar(sql);
  }

  static void exec(String sql) throws Exception {
    duck.exec(sql);
  }

  @Test
  public void everyRowMatchesTheDuckDbOracle() throws Exception {
    exec(
        "CREATE OR REPLACE TABLE csv AS SELECT regexp_extract(filename, '([^/]+)\\.csv$', 1)"
            + " AS file_symbol, * FROM read_csv(['"
            + SAMPLE
            + "/etfs/*.csv', '"
            + SAMPLE
            + "/stocks/*.csv'], header=true, all_varchar=true, filename=true)");
    exec(
        "CREATE OR REPLACE TABLE meta AS SELECT \"NASDAQ Symbol\" AS nasdaq, \"Symbol\" AS symbol,"
            + " nullif(trim(\"Security Name\"), '') AS name FROM read_csv('"
            + SAMPLE
            + "/symbols_valid_meta.csv', header=true, all_varchar=true)");
    exec(
        "CREATE OR REPLACE TABLE typed AS SELECT file_symbol, TRY_CAST(\"Date\" AS DATE) AS d,"
            + " TRY_CAST(\"Open\" AS FLOAT) AS o, TRY_CAST(\"High\" AS FLOAT) AS h,"
            + " TRY_CAST(\"Low\" AS FLOAT) AS l, TRY_CAST(\"Close\" AS FLOAT) AS c,"
            + " TRY_CAST(\"Adj Close\" AS FLOAT) AS ac, TRY_CAST(\"Volume\" AS DOUBLE) AS v FROM csv");
    exec(
        "CREATE OR REPLACE TABLE kept AS SELECT * FROM typed WHERE d IS NOT NULL"
            + " AND o IS NOT NULL AND h IS NOT NULL AND l IS NOT NULL AND c IS NOT NULL"
            + " AND ac IS NOT NULL AND v IS NOT NULL AND v >= 0 AND v = floor(v)"
            + " QUALIFY row_number() OVER (PARTITION BY file_symbol, d) = 1");
    exec(
        "CREATE OR REPLACE TABLE oracle AS SELECT coalesce(m.symbol, k.file_symbol) AS sym,"
            + " m.name AS name, strftime(d, '%Y-%m-%d') AS dt, o, h, l, c, ac, v::BIGINT AS vol,"
            + " CASE WHEN count(*) OVER w = 30 THEN avg(v) OVER w END AS vma,"
            + " CASE WHEN count(*) OVER w = 30 THEN median(ac::DOUBLE) OVER w END AS med"
            + " FROM kept k LEFT JOIN meta m ON m.nasdaq = k.file_symbol"
            + " WINDOW w AS (PARTITION BY k.file_symbol ORDER BY d"
            + " ROWS BETWEEN 29 PRECEDING AND CURRENT ROW)");
    exec(
        "CREATE OR REPLACE TABLE ours AS SELECT * FROM read_parquet('"
            + directOut
            + "/features/*.parquet')");

    long oracleRows = scalar("SELECT count(*) FROM oracle");
    long ourRows = scalar("SELECT count(*) FROM ours");
    assertEquals(236_479, oracleRows); // 236,483 data rows in the sample minus 4 empty rows
    assertEquals(oracleRows, ourRows);
    assertEquals(
        0,
        scalar(
            "SELECT count(*) FROM (SELECT \"Symbol\", \"Date\" FROM ours"
                + " GROUP BY ALL HAVING count(*) > 1)"));
    long joined =
        scalar(
            "SELECT count(*) FROM ours JOIN oracle"
                + " ON ours.\"Symbol\" = oracle.sym AND ours.\"Date\" = oracle.dt");
    assertEquals(oracleRows, joined);
    long mismatches =
        scalar(
            "SELECT count(*) FROM ours JOIN oracle"
                + " ON ours.\"Symbol\" = oracle.sym AND ours.\"Date\" = oracle.dt WHERE"
                + " ours.\"Security Name\" IS DISTINCT FROM oracle.name"
                + " OR abs(ours.\"Open\" - o) > 1e-6 * abs(o) OR abs(ours.\"High\" - h) > 1e-6 * abs(h)"
                + " OR abs(ours.\"Low\" - l) > 1e-6 * abs(l) OR abs(ours.\"Close\" - c) > 1e-6 * abs(c)"
                + " OR abs(ours.\"Adj Close\" - ac) > 1e-6 * abs(ac) OR ours.\"Volume\" <> vol"
                + " OR (ours.vol_moving_avg IS NULL) <> (vma IS NULL)"
                + " OR (ours.adj_close_rolling_med IS NULL) <> (med IS NULL)"
                + " OR abs(ours.vol_moving_avg - vma) > 1e-9 * greatest(1, abs(vma))"
                + " OR abs(ours.adj_close_rolling_med - med) > 1e-9 * greatest(1e-9, abs(med))");
    assertEquals(0, mismatches);
    // the features are really there: every symbol with >= 30 rows has non-null values
    assertEquals(
        scalar("SELECT count(*) FROM oracle WHERE vma IS NOT NULL"),
        scalar("SELECT count(*) FROM ours WHERE vol_moving_avg IS NOT NULL"));
    assertTrue(scalar("SELECT count(*) FROM ours WHERE vol_moving_avg IS NOT NULL") > 200_000);
    // floats equal bit for bit, apart from DuckDB's own rounding (reported, not required)
    System.out.println(
        "exact Adj Close matches: "
            + scalar(
                "SELECT count(*) FROM ours JOIN oracle"
                    + " ON ours.\"Symbol\" = oracle.sym AND ours.\"Date\" = oracle.dt"
                    + " WHERE ours.\"Adj Close\" = ac")
            + " of "
            + oracleRows);
  }

  @Test
  public void parquetSchemaIsExactlyTheSpec() throws Exception {
    List<String> expected =
        List.of(
            "Symbol VARCHAR",
            "Security Name VARCHAR",
            "Date VARCHAR",
            "Open FLOAT",
            "High FLOAT",
            "Low FLOAT",
            "Close FLOAT",
            "Adj Close FLOAT",
            "Volume BIGINT");
    assertEquals(expected, describe(directOut + "/raw/*.parquet"));
    List<String> withFeatures = new ArrayList<>(expected);
    withFeatures.add("vol_moving_avg DOUBLE");
    withFeatures.add("adj_close_rolling_med DOUBLE");
    assertEquals(withFeatures, describe(directOut + "/features/*.parquet"));
  }

  static List<String> describe(String glob) throws Exception {
    return duck.query("DESCRIBE SELECT * FROM read_parquet('" + glob + "')").stream()
        .map(row -> row.get(0) + " " + row.get(1))
        .toList();
  }

  @Test
  public void symbolsComeFromMetadataAndRowsAreAccountedFor() throws Exception {
    JsonNode ingest = directRun.get("ingest").manifest;
    assertEquals(236_483, ingest.at("/rows/in").asLong());
    assertEquals(236_479, ingest.at("/rows/out").asLong());
    assertEquals(4, ingest.at("/rows/rejected").asLong());
    assertEquals(4, ingest.at("/rows/rejected_by_reason/empty_value").asLong());
    assertEquals(60, ingest.at("/inputs").size()); // 59 price files + metadata
    assertEquals(0, ingest.at("/unmatched_files").size());
    // the parser's oddity counters, each recounted by DuckDB over the CSV text (all 236,483
    // rows, the 4 rejected ones included, as the parser counts them before rejecting)
    String csv = "read_csv('" + SAMPLE + "/*/*.csv', all_varchar = true, header = true)";
    String prices = "concat_ws(',', Open, High, Low, Close, \"Adj Close\", Volume)";
    long[][] oracle = {
      {6_305, scalar("SELECT count(*) FROM " + csv + " WHERE TRY_CAST(Open AS DOUBLE) = 0")},
      {
        1,
        scalar(
            "SELECT count(*) FROM "
                + csv
                + " WHERE TRY_CAST(High AS DOUBLE) < TRY_CAST(Low AS DOUBLE)")
      },
      {
        4_063,
        scalar("SELECT count(*) FROM " + csv + " WHERE regexp_matches(" + prices + ", '[eE]')")
      },
      {4_687, scalar("SELECT count(*) FROM " + csv + " WHERE TRY_CAST(Volume AS DOUBLE) = 0")},
      {18_450, scalar("SELECT count(*) FROM " + csv + " WHERE contains(Volume, '.')")}
    };
    String[] counters = {
      "openZero", "highBelowLow", "scientificNotation", "zeroVolume", "floatVolume"
    };
    for (int i = 0; i < counters.length; i++) {
      assertEquals(counters[i], oracle[i][0], oracle[i][1]);
      assertEquals(counters[i], oracle[i][1], ingest.at("/counters/" + counters[i]).asLong());
    }
    assertEquals(
        236_479, scalar("SELECT count(*) FROM read_parquet('" + directOut + "/raw/*.parquet')"));
    assertEquals(
        59,
        scalar(
            "SELECT count(DISTINCT \"Symbol\") FROM read_parquet('"
                + directOut
                + "/raw/*.parquet')"));
    // the dead letters name file, line, reason and the original text
    List<String> rejected = new ArrayList<>();
    for (var f :
        Store.list(Store.dir(directOut.resolve("_rejected/ingest").toString()), ".jsonl")) {
      for (String line : Files.readAllLines(Store.local(f.resourceId()))) {
        JsonNode j = Json.MAPPER.readTree(line);
        rejected.add(
            Path.of(j.get("source").asText()).getFileName()
                + ":"
                + j.get("line").asLong()
                + ":"
                + j.get("reason").asText()
                + ":"
                + j.get("payload").asText());
      }
    }
    rejected.sort(null);
    assertEquals(
        List.of(
            "BPMP.csv:818:empty_value:2021-01-27,,,,,,",
            "BRBS.csv:1561:empty_value:2018-12-05,,,,,,",
            "EDOW.csv:32:empty_value:2017-09-21,,,,,,",
            "KO.csv:9997:empty_value:2001-09-12,,,,,,"),
        rejected);
    // BPMP keeps its real 2021-01-27 row
    assertEquals(
        1,
        scalar(
            "SELECT count(*) FROM read_parquet('"
                + directOut
                + "/raw/*.parquet') WHERE \"Symbol\" = 'BPMP' AND \"Date\" = '2021-01-27'"));
    JsonNode features = directRun.get("features").manifest;
    assertEquals(236_479, features.at("/rows/in").asLong());
    assertEquals(236_479, features.at("/rows/out").asLong());
    assertEquals(59, features.at("/counters/symbols").asLong());
    // every symbol leaves min(rows, 29) leading rows null (BSMO and BSCE have only 23 rows)
    assertEquals(
        scalar(
            "SELECT sum(least(n, 29)) FROM (SELECT count(*) AS n FROM read_parquet('"
                + directOut
                + "/raw/*.parquet') GROUP BY \"Symbol\")"),
        features.at("/counters/warmupRows").asLong());
  }

  @Test
  public void trainedModelBeatsNaiveAndForestOnTheRealSample() throws Exception {
    JsonNode manifest = directRun.get("train").manifest;
    JsonNode metrics = Json.MAPPER.readTree(directOut.resolve("model/metrics.json").toFile());
    assertEquals(metrics.get("test_rows").asLong(), manifest.at("/metrics/test_rows").asLong());
    double model = metrics.at("/model/mae").asDouble();
    double naive = metrics.at("/naive/mae").asDouble();
    double forest = metrics.at("/random_forest/mae").asDouble();
    assertTrue("model " + model + " vs naive " + naive, model < naive);
    assertTrue("model " + model + " vs forest " + forest, model < forest);
    // The forest is scored on all test rows of the sample: the same rows as the others.
    assertEquals(metrics.get("test_rows").asLong(), metrics.at("/random_forest/rows").asLong());
    assertTrue(Files.size(directOut.resolve("model/model.bin")) < 1 << 20);
  }

  @Test
  public void testSplitLagAndNaiveBaselineMatchDuckDb() throws Exception {
    JsonNode metrics = Json.MAPPER.readTree(directOut.resolve("model/metrics.json").toFile());
    String testFrom = metrics.at("/split/test/from").asText();
    String validationFrom = metrics.at("/split/validation/from").asText();
    // Examples: day t's Volume with the features of the symbol's previous row (t-1).
    String examples =
        "(SELECT \"Date\", \"Volume\", lag(vol_moving_avg) OVER w AS vma,"
            + " lag(adj_close_rolling_med) OVER w AS med FROM read_parquet('"
            + directOut
            + "/features/*.parquet') WINDOW w AS (PARTITION BY \"Symbol\" ORDER BY \"Date\"))"
            + " WHERE vma IS NOT NULL AND med IS NOT NULL";
    assertEquals(metrics.get("examples").asLong(), scalar("SELECT count(*) FROM " + examples));
    assertEquals(
        metrics.get("test_rows").asLong(),
        scalar("SELECT count(*) FROM " + examples + " AND \"Date\" >= '" + testFrom + "'"));
    assertEquals(
        metrics.at("/split/validation/rows").asLong(),
        scalar(
            "SELECT count(*) FROM "
                + examples
                + " AND \"Date\" >= '"
                + validationFrom
                + "' AND \"Date\" < '"
                + testFrom
                + "'"));
    // The test set is the latest 20 % of rows, as close as whole days allow.
    double share = metrics.get("test_rows").asDouble() / metrics.get("examples").asDouble();
    assertEquals(0.2, share, 0.01);
    try (Statement st = duck.connection().createStatement();
        ResultSet r =
            st.executeQuery(
                "SELECT avg(abs(\"Volume\" - vma)), sqrt(avg((\"Volume\" - vma) ^ 2)),"
                    + " 1 - sum((\"Volume\" - vma) ^ 2) / sum((\"Volume\" - m) ^ 2) FROM (SELECT"
                    + " *, avg(\"Volume\") OVER () AS m FROM "
                    + examples
                    + " AND \"Date\" >= '"
                    + testFrom
                    + "')")) {
      r.next();
      assertEquals(r.getDouble(1), metrics.at("/naive/mae").asDouble(), 1e-6 * r.getDouble(1));
      assertEquals(r.getDouble(2), metrics.at("/naive/rmse").asDouble(), 1e-6 * r.getDouble(2));
      assertEquals(r.getDouble(3), metrics.at("/naive/r2").asDouble(), 1e-9);
    }
  }

  @Test
  public void embeddedFlinkProducesTheSameRowsAsTheDirectRunner() throws Exception {
    Path flinkOut = TMP.newFolder("flink").toPath();
    Map<String, StageRunner.Outcome> flink =
        runMarket(
            SAMPLE, flinkOut, "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2");
    assertFalse(flink.get("ingest").skipped);
    assertEquals("FlinkRunner", flink.get("features").manifest.get("runner").asText());
    for (String stage : new String[] {"raw", "features"}) {
      String a = "read_parquet('" + directOut + "/" + stage + "/*.parquet')";
      String b = "read_parquet('" + flinkOut + "/" + stage + "/*.parquet')";
      assertEquals(scalar("SELECT count(*) FROM " + a), scalar("SELECT count(*) FROM " + b));
      assertEquals(
          stage,
          0,
          scalar(
              "SELECT count(*) FROM (SELECT * FROM " + a + " EXCEPT ALL SELECT * FROM " + b + ")"));
      assertEquals(
          stage,
          0,
          scalar(
              "SELECT count(*) FROM (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + ")"));
    }
    // Flink shards the feature files differently; training samples and shuffles by row identity,
    // so the model is the same one.
    double[] vma = {1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 5e5, 5e5, 5e5};
    double[] med = {10, 10, 10, 10, 10, 10, 0.5, 50, 500};
    try (VolumeModel d = VolumeModel.load(directOut.resolve("model/model.bin"));
        VolumeModel f = VolumeModel.load(flinkOut.resolve("model/model.bin"))) {
      FeatureBatch grid = new FeatureBatch(vma, med);
      assertArrayEquals(d.predict(grid), f.predict(grid));
    }
    JsonNode dm = Json.MAPPER.readTree(directOut.resolve("model/metrics.json").toFile());
    JsonNode fm = Json.MAPPER.readTree(flinkOut.resolve("model/metrics.json").toFile());
    for (String k : new String[] {"/model/mae", "/naive/mae", "/random_forest/mae"}) {
      assertEquals(k, dm.at(k).asDouble(), fm.at(k).asDouble(), 1e-6 * dm.at(k).asDouble());
    }
  }
}
