package dev.strata.pipelines.market;

import static dev.strata.pipelines.market.MarketJob.FEATURES;
import static dev.strata.pipelines.market.MarketJob.INGEST;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.JobSpecs;
import dev.strata.pipelines.launcher.Outputs;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.market.BarSeries;
import dev.strata.transforms.market.BarSeriesCoder;
import dev.strata.transforms.market.ReadMarketParquet;
import dev.strata.transforms.market.RollingFeatures;
import dev.strata.transforms.market.WindowSpec;
import dev.strata.transforms.market.WriteMarketParquet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Stage {@code features} of the market job: the Parquet of {@code raw/} to the same rows with
 * {@code vol_moving_avg} and {@code adj_close_rolling_med} in {@code features/}; rows that cannot
 * be rolled (a duplicate date) to {@code _rejected/features/}.
 */
final class FeaturesStage {
  private FeaturesStage() {}

  /**
   * The stage; {@code ahead}, if not null, may hold its increment already computed in ingest's job
   * ({@link FeaturesAhead}), used when it is exactly this run's.
   */
  static StageRunner.Outcome run(
      MarketOptions options, WindowSpec window, StageRunner runner, FeaturesAhead ahead)
      throws Exception {
    boolean specOnly = JobSpecs.specOnly(options);
    ResourceId rawDir = runner.dataDir(INGEST);
    if (!specOnly) {
      runner.requirePublished(FEATURES, INGEST, "ingest,features");
    }
    List<MatchResult.Metadata> rawFiles = specOnly ? List.of() : runner.publishedFiles(INGEST);
    Map<String, String> stageOptions = Map.of("window", window.toString());
    if (specOnly || runner.unchanged(FEATURES, rawFiles, stageOptions)) {
      return runner.run(FEATURES, rawFiles, stageOptions, full(options, rawFiles, window, runner));
    }
    String why = whyNotIncremental(runner, window);
    Delta delta = why == null ? Delta.of(runner, rawFiles) : null;
    if (why == null && delta.why() != null) {
      why = delta.why();
    }
    if (why == null) {
      JsonNode previous = runner.lastManifest(FEATURES);
      FeaturesAhead done = ahead != null && ahead.matches(delta) ? ahead : null;
      runner
          .log()
          .printf(
              "[%s] incremental: %d new raw files (%d %s), %d unchanged%s%n",
              FEATURES,
              delta.added(),
              delta.read().size(),
              done != null ? "rolled on in ingest's job" : "read",
              rawFiles.size() - delta.added(),
              delta.recomputed().isEmpty()
                  ? ""
                  : "; " + delta.recomputed().size() + " symbols recomputed");
      try {
        return runner.increment(
            FEATURES,
            rawFiles,
            Map.of(),
            stageOptions,
            increment(options, window, delta, previous, runner, done));
      } catch (StageRunner.Fallback f) {
        why = f.getMessage();
      }
    }
    runner.log().printf("[%s] full run: %s%n", FEATURES, why);
    StageRunner.Body body = full(options, rawFiles, window, runner);
    String reason = why;
    return runner.run(
        FEATURES,
        rawFiles,
        stageOptions,
        (dataDir, rejectedDir) ->
            body.run(dataDir, rejectedDir).extra("run", Map.of("kind", "full", "reason", reason)));
  }

  /**
   * Why the features cannot be extended from the last run's at all, or null: there is a committed
   * run with the same row window and its tails as state.
   */
  static String whyNotIncremental(StageRunner runner, WindowSpec window)
      throws java.io.IOException {
    if (runner.forced()) {
      return "--force";
    }
    JsonNode previous = runner.lastManifest(FEATURES);
    if (previous == null || !"succeeded".equals(previous.path("status").asText())) {
      return "no committed run to add to";
    }
    if (window.isCalendarDays()) {
      return "a calendar-day window (" + window + ") is recomputed whole";
    }
    if (!window.toString().equals(previous.path("options").path("window").asText())) {
      return "the window changed";
    }
    if (!previous.has("state") || !previous.has("outputs")) {
      return "the last run kept no state to add to";
    }
    return null;
  }

  /**
   * What changed in {@code raw/} since the features were made: its files now against those the
   * features' manifest read. Either raw only gained files, or its last run was an increment that
   * also rewrote parts without its recomputed symbols (then the features read exactly the version
   * before it). The new {@code inc-*} files are read ({@code rw-*} files hold rows the features
   * have), and the last run's recomputed symbols are rolled from all their rows.
   */
  record Delta(
      String why,
      int added,
      List<MatchResult.Metadata> read,
      java.util.SortedSet<String> recomputed) {
    static Delta of(StageRunner runner, List<MatchResult.Metadata> rawFiles)
        throws java.io.IOException {
      JsonNode previous = runner.lastManifest(FEATURES);
      JsonNode last = runner.lastManifest(INGEST).path("run");
      Map<String, MatchResult.Metadata> now = new java.util.HashMap<>();
      rawFiles.forEach(m -> now.put(m.resourceId().getFilename(), m));
      Set<String> had = new HashSet<>();
      Set<String> gone = new HashSet<>();
      for (JsonNode in : previous.path("inputs")) {
        String name =
            in.path("path").asText().substring(in.path("path").asText().lastIndexOf('/') + 1);
        had.add(name);
        MatchResult.Metadata m = now.get(name);
        if (m == null) {
          gone.add(name);
        } else if (m.sizeBytes() != in.path("size").asLong()
            || m.lastModifiedMillis() != in.path("modified_ms").asLong()) {
          return new Delta(
              "raw/ was rewritten, not added to (" + name + " changed)", 0, List.of(), null);
        }
      }
      Set<String> fresh = new java.util.TreeSet<>(now.keySet());
      fresh.removeAll(had);
      Set<String> lastAdded = new HashSet<>();
      last.path("added").forEach(n -> lastAdded.add(n.asText()));
      Set<String> rewritten = new HashSet<>();
      last.path("parts_rewritten").forEach(n -> rewritten.add(n.asText()));
      java.util.SortedSet<String> recomputed = new java.util.TreeSet<>();
      boolean seesLast =
          "incremental".equals(last.path("kind").asText()) && fresh.containsAll(lastAdded);
      if (!gone.isEmpty()) {
        if (!seesLast || !rewritten.containsAll(gone) || !fresh.equals(lastAdded)) {
          return new Delta(
              "raw/ was rewritten, not added to (" + gone.iterator().next() + " is gone)",
              0,
              List.of(),
              null);
        }
      }
      if (seesLast) {
        last.path("recomputed").forEach(n -> recomputed.add(n.asText()));
      }
      List<MatchResult.Metadata> read = new ArrayList<>();
      for (String name : fresh) {
        if (!name.startsWith("rw-")) {
          read.add(now.get(name));
        }
      }
      return new Delta(null, fresh.size(), read, recomputed);
    }
  }

  /** Every symbol rolled from its whole history; with a row window, the tails kept as state. */
  private static StageRunner.Body full(
      MarketOptions options,
      List<MatchResult.Metadata> rawFiles,
      WindowSpec window,
      StageRunner runner) {
    List<String> paths = new ArrayList<>();
    rawFiles.forEach(m -> paths.add(m.resourceId().toString()));
    if (JobSpecs.specOnly(options)) {
      // a job spec lists raw/ when the job runs, not now
      paths.add(Store.str(runner.dataDir(INGEST)) + "/*.parquet");
    }
    return (dataDir, rejectedDir) -> {
      Pipeline p = Pipeline.create(options);
      build(p, paths, window, Store.str(dataDir), Store.str(rejectedDir));
      BeamStage stage = BeamStage.run(p, FEATURES, dataDir);
      StageCounts c = stage.counts();
      c.rowsIn(Outputs.parquetRows(rawFiles))
          .rowsOut(Outputs.parquetRows(dataDir))
          .rowsRejected(Outputs.countRejected(rejectedDir, c.rejectedByReason()));
      record(stage, c);
      return c.extra("outputs", Outputs.fileNames(dataDir, ".parquet"))
          .extra("state", stateNames(dataDir))
          .extra("rows_total", Map.of("out", c.rowsOut()));
    };
  }

  /**
   * The increment: the rows of the new raw files rolled on from each symbol's tail ({@link
   * RollingFeatures#extending}), written as new part files {@code inc-<id>-*}, with every symbol's
   * new tail as the new state.
   */
  private static StageRunner.Body increment(
      MarketOptions options,
      WindowSpec window,
      Delta delta,
      JsonNode previous,
      StageRunner runner,
      FeaturesAhead done) {
    return (dataDir, rejectedDir) -> {
      String tag = "inc-" + java.util.UUID.randomUUID().toString().substring(0, 8);
      ResourceId published = runner.dataDir(FEATURES);
      List<MatchResult.Metadata> added = delta.read();
      java.util.SortedSet<String> recomputed = delta.recomputed();
      List<String> outputs = new ArrayList<>();
      previous.path("outputs").forEach(n -> outputs.add(n.asText()));
      // the feature parts holding a recomputed symbol, again without its rows
      PartRewrite rewrite;
      BeamStage stage;
      if (done != null) {
        // computed in ingest's job: its files become this run's, its counters this stage's
        StageRunner.moveInto(done.dir(), dataDir, "");
        Store.deleteTree(done.dir());
        // the graph of the job that computed it: ingest's, committed with raw/ a moment ago
        ResourceId graph = Store.file(runner.dataDir(INGEST), BeamStage.PIPELINE_DOT);
        if (Store.exists(graph)) {
          Store.write(Store.file(dataDir, BeamStage.PIPELINE_DOT), Store.read(graph));
        }
        rewrite = done.rewrite();
        stage = done.stage();
      } else {
        rewrite = PartRewrite.of(published, outputs, recomputed, true);
        Pipeline p = Pipeline.create(options);
        rollOn(
            PartRewrite.known(p, "Raw", added).apply("ReadRaw", ReadMarketParquet.create()),
            window,
            stateFiles(published, previous),
            recomputed,
            rewrite,
            dataDir,
            tag.substring(4));
        stage = BeamStage.run(p, FEATURES, dataDir);
      }
      long notExtendable = stage.counter(RollingFeatures.class, RollingFeatures.NOT_EXTENDABLE);
      if (notExtendable > 0) {
        throw new StageRunner.Fallback(
            notExtendable + " symbols have new rows that are not all after their last date");
      }
      StageCounts c = stage.counts();
      PartRewrite.Counts rewritten = rewrite.count(dataDir);
      c.rowsIn(Outputs.parquetRows(added) + rewritten.reread())
          .rowsOut(Outputs.parquetRows(dataDir))
          .rowsRejected(Outputs.countRejected(rejectedDir, c.rejectedByReason()))
          .rowsDropped(rewritten.dropped());
      record(stage, c);
      return c.extra("outputs", rewrite.outputs(outputs, Outputs.fileNames(dataDir, ".parquet")))
          .extra("state", stateNames(dataDir))
          .extra(
              "run",
              Map.of(
                  "kind",
                  "incremental",
                  "raw_files_new",
                  added.size(),
                  "symbols_extended",
                  c.counter(RollingFeatures.SYMBOLS),
                  "symbols_recomputed",
                  recomputed.size(),
                  "parts_rewritten",
                  rewrite.affected()))
          .extra(
              "rows_total",
              Map.of("out", PartRewrite.rowsTotal(previous) - rewritten.reread() + c.rowsOut()));
    };
  }

  private static void record(BeamStage stage, StageCounts c) {
    stage.record(
        c,
        RollingFeatures.class,
        RollingFeatures.SYMBOLS,
        RollingFeatures.ROWS,
        RollingFeatures.WARMUP_ROWS,
        RollingFeatures.DUPLICATE_DATES);
  }

  /** The state files under {@code dataDir}, as the manifest lists them ({@code _state/<name>}). */
  private static List<String> stateNames(ResourceId dataDir) throws java.io.IOException {
    List<String> out = new ArrayList<>();
    for (String n : Outputs.fileNames(Store.sub(dataDir, StageRunner.STATE), ".parquet")) {
      out.add(StageRunner.STATE + "/" + n);
    }
    return out;
  }

  private static PCollection<BarSeries> read(Pipeline p, String name, List<String> paths) {
    return p.apply(name + "Files", Create.of(paths).withCoder(StringUtf8Coder.of()))
        .apply("Match" + name, FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("Open" + name, FileIO.readMatches())
        .apply("Read" + name, ReadMarketParquet.create());
  }

  /**
   * The state files {@code manifest} lists in the published folder {@code published}.
   *
   * @throws java.io.IOException if one is missing (the version is not whole)
   */
  static List<MatchResult.Metadata> stateFiles(ResourceId published, JsonNode manifest)
      throws java.io.IOException {
    List<String> names = new ArrayList<>();
    manifest.path("state").forEach(n -> names.add(n.asText()));
    return PartRewrite.listed(published, names);
  }

  /**
   * The features increment on {@code added}, the new raw rows (read from raw's new files, or still
   * in ingest's job): rolled on from the tails in {@code tailFiles}, {@code recomputed} symbols
   * from their rows alone ({@link RollingFeatures#extending}), to {@code inc-<tag>-*.parquet} and
   * {@code _state/tail-inc-<tag>-*.parquet} in {@code dir}; and the parts {@code rewrite} names
   * written again without the recomputed symbols, to {@code rw-<tag>-*}.
   */
  static void rollOn(
      PCollection<BarSeries> added,
      WindowSpec window,
      List<MatchResult.Metadata> tailFiles,
      java.util.SortedSet<String> recomputed,
      PartRewrite rewrite,
      ResourceId dir,
      String tag) {
    PCollection<BarSeries> tails =
        PartRewrite.known(added.getPipeline(), "Tails", tailFiles)
            .apply("ReadTails", ReadMarketParquet.create());
    PCollectionTuple rolled =
        added.apply("ExtendFeatures", RollingFeatures.extending(window, tails, recomputed));
    write(
        rolled.get(RollingFeatures.FEATURES), rolled.get(RollingFeatures.TAILS), dir, "inc-" + tag);
    rewrite.apply(added.getPipeline(), dir, tag);
  }

  /** Feature rows to {@code <prefix>-*.parquet}, the tails to {@code _state/tail-*.parquet}. */
  static void write(
      PCollection<BarSeries> features,
      PCollection<BarSeries> tails,
      ResourceId dataDir,
      String prefix) {
    features.apply(
        "WriteFeatures", WriteMarketParquet.features(Store.str(dataDir)).withPrefix(prefix));
    tails.apply(
        "WriteTails",
        WriteMarketParquet.raw(Store.str(Store.sub(dataDir, StageRunner.STATE)))
            .withPrefix("tail-" + prefix));
  }

  /**
   * Wires stage features: the raw Parquet files {@code rawFiles} to feature Parquet in {@code
   * dataDir}; with a row window, also each symbol's tail to {@code dataDir/_state/}.
   */
  public static void build(
      Pipeline p, List<String> rawFiles, WindowSpec window, String dataDir, String rejectedDir) {
    PCollectionTuple rolled =
        read(p, "Raw", rawFiles).apply("RollingFeatures", RollingFeatures.of(window));
    PCollection<BarSeries> features = rolled.get(RollingFeatures.FEATURES);
    if (window.isCalendarDays()) {
      features.apply("WriteFeatures", WriteMarketParquet.features(dataDir));
    } else {
      write(
          features,
          features
              .apply(
                  "Tails",
                  MapElements.into(TypeDescriptor.of(BarSeries.class))
                      .via((BarSeries s) -> RollingFeatures.tail(s, window)))
              .setCoder(BarSeriesCoder.of()),
          Store.dir(dataDir),
          "part");
    }
    rolled.get(RollingFeatures.FAILURES).apply("WriteRejected", WriteFailures.to(rejectedDir));
  }
}
