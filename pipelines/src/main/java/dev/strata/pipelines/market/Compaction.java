package dev.strata.pipelines.market;

import static dev.strata.pipelines.market.MarketJob.FEATURES;
import static dev.strata.pipelines.market.MarketJob.INGEST;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.Outputs;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.market.ReadMarketParquet;
import dev.strata.transforms.market.WriteMarketParquet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.Create;

/**
 * Merges the part files increments added ({@code inc-*}) to {@code raw/} and {@code features/} into
 * a few ({@code cmp-*}), so many small increments do not slow reads down for ever. Automatic once a
 * stage lists more than {@code --compactAfter} increment files, in a run whose features changed (so
 * training, which reads {@code features/}, reruns anyway); {@code --compact} merges now, also the
 * files of earlier merges. Each stage's merge is one commit of its manifest ({@link
 * StageRunner#rewrite}: the merged files moved in, the manifest replaced, the files it no longer
 * lists deleted), with the same rows, inputs and fingerprint, so the next run is skipped as before.
 * {@code features/} is merged after {@code raw/}, and its recorded inputs become raw's new files; a
 * crash between the two leaves features recorded on raw files that are gone, and the next run
 * recomputes features whole, as after any rewrite of {@code raw/}.
 */
final class Compaction {
  static final String STEP = "compact";

  private Compaction() {}

  /** Merges both stages if asked or due; returns whether it did. */
  static boolean maybe(MarketOptions o, StageRunner runner, boolean featuresRan) throws Exception {
    JsonNode raw = runner.lastManifest(INGEST);
    JsonNode features = runner.lastManifest(FEATURES);
    if (raw == null || features == null || !raw.has("outputs") || !features.has("outputs")) {
      return false;
    }
    List<String> merge = mergeable(raw, o.getCompact());
    boolean due =
        o.getCompact()
            || (featuresRan && o.getCompactAfter() > 0 && merge.size() > o.getCompactAfter());
    if (!due || merge.size() < 2) {
      if (o.getCompact()) {
        runner.log().printf("[%s] nothing to merge: %d increment files%n", STEP, merge.size());
      }
      return false;
    }
    // features must be up to date with raw/ for its inputs to be remapped onto the merged files
    Set<String> rawNow = new HashSet<>();
    for (MatchResult.Metadata m : runner.publishedFiles(INGEST)) {
      rawNow.add(m.resourceId() + "\0" + m.sizeBytes() + "\0" + m.lastModifiedMillis());
    }
    Set<String> featuresRead = new HashSet<>();
    features
        .path("inputs")
        .forEach(
            n ->
                featuresRead.add(
                    n.path("path").asText()
                        + "\0"
                        + n.path("size").asLong()
                        + "\0"
                        + n.path("modified_ms").asLong()));
    if (!rawNow.equals(featuresRead)) {
      runner
          .log()
          .printf(
              "[%s] not now: features/ is not up to date with raw/ (run features first)%n", STEP);
      return false;
    }
    runner
        .log()
        .printf(
            "[%s] merging %d increment files of raw/ and %d of features/%n",
            STEP, merge.size(), mergeable(features, o.getCompact()).size());
    Map<String, ObjectNode> rawDetails = new TreeMap<>();
    List<MatchResult.Metadata> rawInputs = StageRunner.recordedInputs(raw, rawDetails);
    runner.rewrite(
        INGEST, rawInputs, rawDetails, options(raw), body(o, runner, INGEST, raw, merge, false));
    List<MatchResult.Metadata> featureInputs = runner.publishedFiles(INGEST);
    runner.rewrite(
        FEATURES,
        featureInputs,
        Map.of(),
        options(features),
        body(o, runner, FEATURES, features, mergeable(features, o.getCompact()), true));
    return true;
  }

  /** The files a merge takes: increments', and with {@code all} earlier merges' too. */
  static List<String> mergeable(JsonNode manifest, boolean all) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : manifest.path("outputs")) {
      String name = n.asText();
      if (name.startsWith("inc-") || (all && name.startsWith("cmp-"))) {
        out.add(name);
      }
    }
    return out;
  }

  private static Map<String, String> options(JsonNode manifest) {
    Map<String, String> out = new LinkedHashMap<>();
    manifest
        .path("options")
        .fields()
        .forEachRemaining(f -> out.put(f.getKey(), f.getValue().asText()));
    return out;
  }

  private static StageRunner.Body body(
      MarketOptions o,
      StageRunner runner,
      String stage,
      JsonNode previous,
      List<String> merge,
      boolean features) {
    return (dataDir, rejectedDir) -> {
      String published = Store.str(runner.dataDir(stage));
      List<String> paths = new ArrayList<>();
      List<MatchResult.Metadata> files = new ArrayList<>();
      for (String name : merge) {
        paths.add(published + "/" + name);
        files.add(Store.stat(Store.file(runner.dataDir(stage), name)));
      }
      String tag = "cmp-" + java.util.UUID.randomUUID().toString().substring(0, 8);
      if (merge.isEmpty()) {
        // nothing to merge here (features recomputed whole since): only its inputs are remapped
        return finish(new StageCounts().runner("none"), previous, merge, List.of());
      }
      Pipeline p = Pipeline.create(o);
      WriteMarketParquet write =
          (features
                  ? WriteMarketParquet.features(Store.str(dataDir))
                  : WriteMarketParquet.raw(Store.str(dataDir)))
              .withPrefix(tag);
      p.apply("Merged", Create.of(paths).withCoder(StringUtf8Coder.of()))
          .apply(
              "MatchMerged",
              FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
          .apply("OpenMerged", FileIO.readMatches())
          .apply(
              "ReadMerged",
              features ? ReadMarketParquet.withFeatures() : ReadMarketParquet.create())
          .apply("WriteMerged", write);
      BeamStage beam = BeamStage.run(p, stage, dataDir);
      StageCounts c = beam.counts();
      c.rowsIn(Outputs.parquetRows(files)).rowsOut(Outputs.parquetRows(dataDir));
      return finish(c, previous, merge, Outputs.fileNames(dataDir, ".parquet"));
    };
  }

  /** The new version's manifest fields: the files not merged, then the merged ones. */
  private static StageCounts finish(
      StageCounts c, JsonNode previous, List<String> merge, List<String> written) {
    List<String> outputs = new ArrayList<>();
    Set<String> merged = new HashSet<>(merge);
    previous
        .path("outputs")
        .forEach(
            n -> {
              if (!merged.contains(n.asText())) {
                outputs.add(n.asText());
              }
            });
    outputs.addAll(written);
    List<String> state = new ArrayList<>();
    previous.path("state").forEach(n -> state.add(n.asText()));
    c.extra("outputs", outputs)
        .extra(
            "run",
            Map.of(
                "kind",
                "compaction",
                "files_merged",
                merge.size(),
                "files_written",
                written.size()))
        .extra("rows_total", Map.of("out", previous.path("rows_total").path("out").asLong()));
    if (!state.isEmpty()) {
      c.extra("state", state);
    }
    return c;
  }
}
