package dev.strata.pipelines.market;

import static dev.strata.pipelines.market.MarketJob.FEATURES;
import static dev.strata.pipelines.market.MarketJob.INGEST;

import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.JobSpecs;
import dev.strata.pipelines.launcher.Outputs;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.market.ReadMarketParquet;
import dev.strata.transforms.market.RollingFeatures;
import dev.strata.transforms.market.WindowSpec;
import dev.strata.transforms.market.WriteMarketParquet;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Stage {@code features} of the market job: the Parquet of {@code raw/} to the same rows with
 * {@code vol_moving_avg} and {@code adj_close_rolling_med} in {@code features/}; rows that cannot
 * be rolled (a duplicate date) to {@code _rejected/features/}.
 */
final class FeaturesStage {
  private FeaturesStage() {}

  static StageRunner.Outcome run(MarketOptions options, WindowSpec window, StageRunner runner)
      throws Exception {
    boolean specOnly = JobSpecs.specOnly(options);
    ResourceId rawDir = runner.dataDir(INGEST);
    if (!specOnly) {
      runner.requirePublished(FEATURES, INGEST, "ingest,features");
    }
    List<MatchResult.Metadata> rawFiles = specOnly ? List.of() : Store.list(rawDir, ".parquet");
    Map<String, String> stageOptions = Map.of("window", window.toString());
    return runner.run(
        FEATURES,
        rawFiles,
        stageOptions,
        (dataDir, rejectedDir) -> {
          Pipeline p = Pipeline.create(options);
          build(p, Store.str(rawDir), window, Store.str(dataDir), Store.str(rejectedDir));
          BeamStage stage = BeamStage.run(p, FEATURES, dataDir);
          StageCounts c = stage.counts();
          c.rowsIn(Outputs.parquetRows(rawDir))
              .rowsOut(Outputs.parquetRows(dataDir))
              .rowsRejected(Outputs.countRejected(rejectedDir, c.rejectedByReason()));
          stage.record(
              c,
              RollingFeatures.class,
              RollingFeatures.SYMBOLS,
              RollingFeatures.ROWS,
              RollingFeatures.WARMUP_ROWS,
              RollingFeatures.DUPLICATE_DATES);
          return c.extra("outputs", Outputs.fileNames(dataDir, ".parquet"));
        });
  }

  /**
   * Wires stage features: stage-1 Parquet in {@code rawDir} to feature Parquet in {@code dataDir}.
   */
  public static void build(
      Pipeline p, String rawDir, WindowSpec window, String dataDir, String rejectedDir) {
    PCollectionTuple rolled =
        p.apply(
                "MatchRaw",
                FileIO.match()
                    .filepattern(rawDir + "/*.parquet")
                    .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenRaw", FileIO.readMatches())
            .apply("ReadRaw", ReadMarketParquet.create())
            .apply("RollingFeatures", RollingFeatures.of(window));
    rolled
        .get(RollingFeatures.FEATURES)
        .apply("WriteFeatures", WriteMarketParquet.features(dataDir));
    rolled.get(RollingFeatures.FAILURES).apply("WriteRejected", WriteFailures.to(rejectedDir));
  }
}
