package dev.strata.pipelines.market;

import dev.strata.pipelines.launcher.ContinuousControl;
import dev.strata.pipelines.launcher.ContinuousOptions;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WatchArrivals;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * {@code market --continuous}: watches {@code --input} and runs the DAG on each change once it has
 * landed, until SIGTERM or Ctrl-C. The arrival rules are the warehouse's and the sensors job's
 * ({@link WatchArrivals#isCandidate}: names starting with {@code .} or {@code _} or ending in
 * {@code .tmp}, {@code .part}, {@code .inprogress} do not count), and a change counts once the
 * listing has stayed the same for one poll and {@code --settleSeconds} have passed since the last
 * change, so files that arrive together make one increment. Each run is the batch DAG (an increment
 * when files only grew or were added, see {@link IngestPlan}), so what survives a crash is what its
 * manifests committed: the same command again catches up from there.
 *
 * <p>Not a Beam streaming pipeline: an increment is a batch over a committed version (its manifest
 * is its commit), and training is not a Beam stage, so the launcher polls and runs one batch DAG
 * per settled change. A run that fails (bad input the stage refuses) is logged and the job waits
 * for the next change.
 */
final class ContinuousMarket {
  static final String STAGE = "market";

  private ContinuousMarket() {}

  static void run(MarketOptions o, PrintStream log) throws Exception {
    long pollMs = ContinuousOptions.poll(o).getMillis();
    ContinuousOptions.settle(o.getSettleSeconds());
    if (o.getForce()) {
      throw new IllegalArgumentException(
          "--force does not apply to --continuous: run it once without --continuous");
    }
    ResourceId input = Store.dir(o.getInput());
    ResourceId output = Store.dir(o.getOutput());
    ContinuousControl control = ContinuousControl.open(output, STAGE, log);
    ResourceId stop =
        org.apache.beam.sdk.io.FileSystems.matchNewResource(control.stopMarker(), false);
    log.printf(
        "[%s] continuous: watching %s every %d s, changes settle after %d s (SIGTERM or Ctrl-C"
            + " stops)%n",
        STAGE, Store.str(input), o.getPollSeconds(), o.getSettleSeconds());
    Map<String, String> seen = listing(input);
    int runs = 0;
    boolean pending = true; // catch up first
    long lastChange = 0;
    while (!Store.exists(stop)) {
      if (pending && System.currentTimeMillis() - lastChange >= o.getSettleSeconds() * 1000L) {
        runs++;
        log.printf("[%s] run %d: %s%n", STAGE, runs, runs == 1 ? "catching up" : "input changed");
        // the listing before the run: a change that lands while it runs makes the next run
        seen = listing(input);
        try {
          MarketJob.runOnce(o, log);
        } catch (IllegalArgumentException mistake) {
          if (runs == 1) {
            throw mistake; // the command itself is wrong: one line, and no watching
          }
          log.printf(
              "[%s] run %d failed: %s; waiting for the next change%n",
              STAGE, runs, mistake.getMessage());
        } catch (Exception e) {
          log.printf("[%s] run %d failed: %s; waiting for the next change%n", STAGE, runs, e);
        }
        pending = false;
      }
      Thread.sleep(pollMs);
      Map<String, String> now = listing(input);
      if (!now.equals(seen)) {
        seen = now;
        pending = true;
        lastChange = System.currentTimeMillis();
      }
    }
    log.printf("[%s] stopped after %d runs%n", STAGE, runs);
  }

  /** Every candidate file under {@code input} with its size and modification time. */
  private static Map<String, String> listing(ResourceId input) throws IOException {
    Map<String, String> out = new TreeMap<>();
    add(out, Store.list(input, ".csv"));
    for (String dir : IngestStage.BAR_FOLDERS) {
      add(out, Store.list(Store.sub(input, dir), ".csv"));
    }
    return out;
  }

  private static void add(Map<String, String> out, java.util.List<MatchResult.Metadata> files) {
    for (MatchResult.Metadata m : files) {
      if (WatchArrivals.isCandidate(m.resourceId().getFilename())) {
        out.put(m.resourceId().toString(), m.sizeBytes() + "/" + m.lastModifiedMillis());
      }
    }
  }
}
