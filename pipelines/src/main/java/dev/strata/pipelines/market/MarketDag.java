package dev.strata.pipelines.market;

import static dev.strata.pipelines.market.MarketJob.DOWNLOAD;
import static dev.strata.pipelines.market.MarketJob.STAGES;
import static dev.strata.pipelines.market.MarketJob.TRAIN;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.DagReport;
import dev.strata.pipelines.launcher.Json;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.market.download.KaggleDownload;
import dev.strata.transforms.common.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The market job's picture, {@code <output>/_dag.svg} and {@code _dag.dot} ({@link DagReport}): the
 * download (when there was one), the input, and each stage with the facts of its last manifest and
 * what this run did to it (ran, skipped, failed, idle, never run).
 */
final class MarketDag {
  private MarketDag() {}

  static void write(
      ResourceId input,
      StageRunner runner,
      Map<String, StageRunner.Outcome> outcomes,
      String failed)
      throws IOException {
    DagReport dag = new DagReport();
    JsonNode ingest = runner.lastManifest(MarketJob.INGEST);
    List<String> inputLines = new ArrayList<>();
    inputLines.add(abbreviate(Store.str(input), 34));
    if (ingest != null) {
      inputLines.add(String.format("%,d files", ingest.path("inputs").size()));
      inputLines.add(String.format("%,.1f MB", ingest.path("input_bytes").asLong() / 1e6));
    }
    JsonNode fetched = null;
    ResourceId downloadManifest = Store.file(input, KaggleDownload.MANIFEST);
    if (Store.exists(downloadManifest)) {
      fetched = Json.MAPPER.readTree(Store.read(downloadManifest));
    }
    if (fetched != null || DOWNLOAD.equals(failed)) {
      StageRunner.Outcome o = outcomes.get(DOWNLOAD);
      String state =
          DOWNLOAD.equals(failed) ? "failed" : o == null ? "idle" : o.skipped ? "skipped" : "ran";
      dag.node(
          DOWNLOAD,
          "download (Kaggle API)",
          fetched == null
              ? List.of(state)
              : List.of(
                  abbreviate(fetched.path("dataset").asText(), 34),
                  String.format("%,.1f MB zip", fetched.path("bytes").asLong() / 1e6),
                  "sha256 " + fetched.path("sha256").asText().substring(0, 12) + "…",
                  state),
          state);
    }
    dag.node("input", "input (Kaggle layout)", inputLines, "input");
    if (fetched != null || DOWNLOAD.equals(failed)) {
      dag.edge(DOWNLOAD, "input", "unpacked");
    }
    String previous = "input";
    String[] labels = {"CSV", "raw/", "features/"};
    for (int i = 0; i < STAGES.size(); i++) {
      String stage = STAGES.get(i);
      StageRunner.Outcome o = outcomes.get(stage);
      JsonNode manifest = runner.lastManifest(stage);
      String state =
          stage.equals(failed)
              ? "failed"
              : o == null ? (manifest == null ? "never" : "idle") : o.skipped ? "skipped" : "ran";
      // train's "rejected" rows are rows without a previous-day feature: not errors.
      List<String> lines =
          DagReport.facts(manifest, state, TRAIN.equals(stage) ? "no example" : "rejected");
      if (TRAIN.equals(stage) && manifest != null) {
        JsonNode m = manifest.path("metrics");
        lines.add(
            2,
            String.format(
                "test MAE %,.0f (naive %,.0f)",
                m.at("/model/mae").asDouble(), m.at("/naive/mae").asDouble()));
      }
      dag.node(
          stage,
          stage + " → " + runner.folderOf(stage) + "/",
          "never".equals(state) && manifest == null ? List.of("never run") : lines,
          state);
      dag.edge(previous, stage, labels[i]);
      previous = stage;
    }
    dag.write(runner.outputRoot());
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : "…" + s.substring(s.length() - max + 1);
  }
}
