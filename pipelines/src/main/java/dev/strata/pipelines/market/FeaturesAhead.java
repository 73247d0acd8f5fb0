package dev.strata.pipelines.market;

import static dev.strata.pipelines.market.MarketJob.FEATURES;
import static dev.strata.pipelines.market.MarketJob.INGEST;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.market.BarSeries;
import dev.strata.transforms.market.RollingFeatures;
import dev.strata.transforms.market.WindowSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * The features increment computed in ingest's increment job, from the rows ingest adds while they
 * are still in the pipeline: one Beam job (one Flink mini cluster, one translation) for both stages
 * instead of two, and the new raw rows are not read back. The stages stay what they are: ingest
 * commits first; then stage features, finding that raw's new version is exactly what was rolled on
 * ({@link #matches}), moves the files made here into its own run and commits them as its increment
 * ({@code FeaturesStage}). Anything else (features not current with raw's last version before this
 * run, a row window changed, a fallback of either stage, a crash between the commits) leaves
 * features to run as it would alone, from the committed files; the files made here are then removed
 * with the features stage's in-progress leftovers.
 *
 * <p>The rolled rows are exactly those the features increment would make: the raw increment's files
 * hold the joined rows of this pipeline ({@code float} prices and {@code int64} volumes written as
 * they are), and {@link RollingFeatures#extending} gets the same tails and recomputed symbols.
 */
final class FeaturesAhead {
  private final WindowSpec window;
  private final StageRunner runner;
  private JsonNode previous; // the features manifest this was rolled on from
  private ResourceId dir;
  private PartRewrite rewrite;
  private SortedSet<String> recomputed;
  private BeamStage stage;
  private List<String> rawAdded;

  private FeaturesAhead(WindowSpec window, StageRunner runner) {
    this.window = window;
    this.runner = runner;
  }

  /** A features increment to compute in ingest's job when features runs after it, else null. */
  static FeaturesAhead forRun(boolean featuresRuns, WindowSpec window, StageRunner runner) {
    return featuresRuns ? new FeaturesAhead(window, runner) : null;
  }

  /**
   * Whether features can be rolled on in the ingest increment: it could be extended at all (what
   * stage features requires of its last run, {@link FeaturesStage#whyNotIncremental}), and its last
   * run is on exactly the raw version ingest now adds to.
   */
  boolean possible() throws IOException {
    return FeaturesStage.whyNotIncremental(runner, window) == null
        && runner.unchanged(
            FEATURES, runner.publishedFiles(INGEST), Map.of("window", window.toString()));
  }

  /**
   * Adds the features increment to ingest's pipeline: the rows {@code added} (joined, as they go to
   * raw) rolled on from the features' tails, with {@code recomputed} symbols from their rows alone,
   * into a features in-progress folder; and the feature parts holding a recomputed symbol written
   * again without it.
   */
  void build(PCollection<BarSeries> added, SortedSet<String> recomputed, String tag)
      throws IOException {
    previous = runner.lastManifest(FEATURES);
    this.recomputed = new TreeSet<>(recomputed);
    ResourceId published = runner.dataDir(FEATURES);
    dir =
        Store.sub(
            runner.outputRoot(), "." + runner.folderOf(FEATURES) + ".inprogress-ahead-" + tag);
    Store.createDirectory(dir);
    List<String> outputs = new ArrayList<>();
    previous.path("outputs").forEach(n -> outputs.add(n.asText()));
    rewrite = PartRewrite.of(published, outputs, this.recomputed, true);
    List<MatchResult.Metadata> tailFiles = FeaturesStage.stateFiles(published, previous);
    SortedSet<String> symbols = this.recomputed;
    ResourceId out = dir;
    PartRewrite parts = rewrite;
    added.apply(
        "Features", // its steps apart from ingest's own (both read and rewrite parts)
        new PTransform<PCollection<BarSeries>, PDone>() {
          @Override
          public PDone expand(PCollection<BarSeries> rows) {
            FeaturesStage.rollOn(rows, window, tailFiles, symbols, parts, out, tag);
            return PDone.in(rows.getPipeline());
          }
        });
  }

  /** Ingest's job ran: its metrics, and the raw files it added (names in raw/). */
  void ran(BeamStage stage, List<String> rawAdded) {
    this.stage = stage;
    this.rawAdded = List.copyOf(rawAdded);
  }

  /** Removes what was made here (ingest fell back, so raw will not be what it was rolled on). */
  void discard() throws IOException {
    if (dir != null) {
      Store.deleteTree(dir);
    }
    stage = null;
  }

  /**
   * Whether this is the features increment of {@code delta}, raw's committed change since the
   * features' manifest, which must still be the one it was rolled on from: the same new raw files
   * ({@code rw-*} ones hold rows the features have) and the same recomputed symbols.
   */
  boolean matches(FeaturesStage.Delta delta) throws IOException {
    if (stage == null || delta.why() != null) {
      return false;
    }
    JsonNode now = runner.lastManifest(FEATURES);
    if (now == null
        || !now.path("finished_at").asText().equals(previous.path("finished_at").asText())) {
      return false;
    }
    List<String> read = new ArrayList<>();
    delta.read().forEach(m -> read.add(m.resourceId().getFilename()));
    List<String> expected = new ArrayList<>();
    for (String name : rawAdded) {
      if (!name.startsWith("rw-")) {
        expected.add(name);
      }
    }
    return new TreeSet<>(read).equals(new TreeSet<>(expected))
        && read.size() == expected.size()
        && delta.recomputed().equals(recomputed);
  }

  /** The in-progress folder holding the feature parts and tails made in ingest's job. */
  ResourceId dir() {
    return dir;
  }

  /** The feature parts rewritten without the recomputed symbols. */
  PartRewrite rewrite() {
    return rewrite;
  }

  /** The metrics of the job it ran in (ingest's). */
  BeamStage stage() {
    return stage;
  }
}
