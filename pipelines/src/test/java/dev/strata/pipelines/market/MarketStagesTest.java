package dev.strata.pipelines.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.launcher.Store;
import dev.strata.pipelines.testing.MemoryObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Manifests, skipping, --force, option changes and failure atomicity of the market stages. */
public class MarketStagesTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** A small Kaggle-layout input: three real files and the real metadata. */
  private Path smallInput() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Files.createDirectories(in.resolve("etfs"));
    Files.createDirectories(in.resolve("stocks"));
    Files.copy(
        MarketJobTest.SAMPLE.resolve("symbols_valid_meta.csv"),
        in.resolve("symbols_valid_meta.csv"));
    for (String f : new String[] {"etfs/BSMO.csv", "stocks/AI.csv", "stocks/BPMP.csv"}) {
      Files.copy(MarketJobTest.SAMPLE.resolve(f), in.resolve(f));
    }
    return in;
  }

  /** Fast training settings: the stage logic is under test here, not the model. */
  private static final String[] QUICK_TRAIN = {
    "--epochs=2", "--patience=1", "--hidden=8", "--forestTrees=5", "--sampleRows=2000"
  };

  private static Map<String, StageRunner.Outcome> run(Path in, Path out, String... extra)
      throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of(QUICK_TRAIN));
    args.addAll(List.of(extra));
    return MarketJobTest.runMarket(in, out, args.toArray(new String[0]));
  }

  @Test
  public void rerunSkipsForceRerunsAndOptionChangesRerunDependents() throws Exception {
    Path in = smallInput();
    Path out = tmp.newFolder("out").toPath();
    Map<String, StageRunner.Outcome> first = run(in, out);
    assertEquals(List.of("ingest", "features", "train"), List.copyOf(first.keySet()));
    for (StageRunner.Outcome o : first.values()) {
      assertFalse(o.skipped);
    }
    JsonNode m = first.get("ingest").manifest;
    assertEquals("succeeded", m.get("status").asText());
    assertEquals("DirectRunner", m.get("runner").asText());
    assertEquals(4, m.get("inputs").size());
    assertTrue(m.get("inputs").get(0).has("size"));
    assertTrue(Files.exists(out.resolve("raw/_manifest.json")));
    assertTrue(Files.exists(out.resolve("features/_manifest.json")));
    assertTrue(Files.exists(out.resolve("model/_manifest.json")));
    assertTrue(Files.exists(out.resolve("model/model.bin")));
    String dag = Files.readString(out.resolve("_dag.dot"));
    assertTrue(dag, dag.contains("\"features\" -> \"train\""));
    assertTrue(dag, dag.contains("ran now"));

    // nothing changed: every stage is skipped, and the picture says so
    Map<String, StageRunner.Outcome> second = run(in, out);
    for (StageRunner.Outcome o : second.values()) {
      assertTrue(o.skipped);
    }
    assertEquals(3, second.size());
    assertTrue(Files.readString(out.resolve("_dag.dot")).contains("skipped: unchanged"));
    assertFalse(Files.readString(out.resolve("_dag.dot")).contains("ran now"));

    // a training option changed: only train reruns
    Map<String, StageRunner.Outcome> trainOnly = run(in, out, "--seed=7");
    assertTrue(trainOnly.get("ingest").skipped);
    assertTrue(trainOnly.get("features").skipped);
    assertFalse(trainOnly.get("train").skipped);
    assertEquals("7", trainOnly.get("train").manifest.at("/options/seed").asText());

    // a feature option changed: ingest skipped, features rerun with the new window, and train
    // reruns because its input files changed
    Map<String, StageRunner.Outcome> third = run(in, out, "--seed=7", "--window=30d");
    assertTrue(third.get("ingest").skipped);
    assertFalse(third.get("features").skipped);
    assertFalse(third.get("train").skipped);
    assertEquals("30d", third.get("features").manifest.at("/options/window").asText());

    // an input changed: ingest reruns, and so does features, which reads ingest's new files
    Path ai = in.resolve("stocks/AI.csv");
    Files.setLastModifiedTime(ai, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    Map<String, StageRunner.Outcome> fourth =
        run(in, out, "--seed=7", "--window=30d", "--stages=ingest,features");
    assertFalse(fourth.get("ingest").skipped);
    assertFalse(fourth.get("features").skipped);

    // --force reruns even when nothing changed; --stages picks stages
    Map<String, StageRunner.Outcome> fifth =
        run(in, out, "--window=30d", "--force", "--stages=features");
    assertEquals(List.of("features"), List.copyOf(fifth.keySet()));
    assertFalse(fifth.get("features").skipped);
    // no leftovers of in-progress directories
    try (var s = Files.list(out)) {
      assertEquals(
          List.of("_dag.dot", "_dag.svg", "_rejected", "features", "model", "raw"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    try (var s = Files.list(out.resolve("model"))) {
      assertEquals(
          List.of(
              "_manifest.json",
              "loss.csv",
              "loss.png",
              "metrics.json",
              "model.bin",
              "training.log"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  public void aFailedStageLeavesThePreviousOutputInPlace() throws Exception {
    failedStageLeavesThePreviousOutput(Store.dir(tmp.newFolder("atomic").getAbsolutePath()));
  }

  /** The same on an object store, where the manifest (written last) is the commit. */
  @Test
  public void aFailedStageLeavesThePreviousOutputInPlaceOnAnObjectStore() throws Exception {
    String root = "mem://bucket/stages-" + System.nanoTime() + "/";
    try {
      failedStageLeavesThePreviousOutput(Store.dir(root));
      // nothing but the input and the published stage is left: the failed runs' in-progress
      // prefixes went with the next successful run
      assertTrue(
          MemoryObjectStore.names(root).toString(),
          MemoryObjectStore.names(root).stream()
              .allMatch(n -> n.startsWith(root + "features/") || n.equals(root + "input.txt")));
    } finally {
      MemoryObjectStore.clear(root);
    }
  }

  /**
   * On an object store the publish itself is not atomic: objects are moved one by one. A publish
   * that dies halfway must leave no manifest, so the next stage refuses the prefix and a rerun
   * redoes the stage; that rerun ends with exactly its own objects under the prefix.
   */
  @Test
  public void aPublishThatDiesHalfwayOnAnObjectStoreLeavesNoManifest() throws Exception {
    String root = "mem://bucket/publish-" + System.nanoTime() + "/";
    try {
      ResourceId out = Store.dir(root);
      ResourceId input = Store.file(out, "input.txt");
      Store.write(input, "v1".getBytes(StandardCharsets.UTF_8));
      StageRunner runner =
          new StageRunner(out, false, new PrintStream(new ByteArrayOutputStream()));
      StageRunner.Body threeParts =
          (data, rejected) -> {
            for (int i = 0; i < 3; i++) {
              Store.write(Store.file(data, "part-" + i), new byte[] {(byte) i});
            }
            return new StageCounts().rowsIn(3).rowsOut(3);
          };
      runner.run("features", List.of(Store.stat(input)), Map.of("v", "1"), threeParts);
      assertTrue(runner.published("features"));

      MemoryObjectStore.failRenamesAfter(1);
      assertThrows(
          java.io.IOException.class,
          () -> runner.run("features", List.of(Store.stat(input)), Map.of("v", "2"), threeParts));
      assertFalse("a half-moved stage has no manifest", runner.published("features"));
      assertEquals(null, runner.lastManifest("features"));

      // the rerun (same inputs and options) is not skipped, and leaves exactly its own objects
      StageRunner.Outcome again =
          runner.run("features", List.of(Store.stat(input)), Map.of("v", "2"), threeParts);
      assertFalse(again.skipped);
      assertEquals(
          List.of(
              root + "features/_manifest.json",
              root + "features/part-0",
              root + "features/part-1",
              root + "features/part-2",
              root + "input.txt"),
          MemoryObjectStore.names(root));
    } finally {
      MemoryObjectStore.failRenamesAfter(-1);
      MemoryObjectStore.clear(root);
    }
  }

  private void failedStageLeavesThePreviousOutput(ResourceId out) throws Exception {
    ResourceId input = Store.file(out, "input.txt");
    Store.write(input, "v1".getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    StageRunner runner =
        new StageRunner(out, false, new PrintStream(log, true, StandardCharsets.UTF_8));
    runner.run(
        "features",
        List.of(Store.stat(input)),
        Map.of("k", "1"),
        (data, rejected) -> {
          Store.write(Store.file(data, "part-0.txt"), "first".getBytes(StandardCharsets.UTF_8));
          return new StageCounts().rowsIn(1).rowsOut(1);
        });
    // unchanged inputs and options: skipped
    assertTrue(
        runner.run("features", List.of(Store.stat(input)), Map.of("k", "1"), (d, r) -> null)
            .skipped);
    Store.write(input, "v2-changed".getBytes(StandardCharsets.UTF_8));
    assertThrows(
        IllegalStateException.class,
        () ->
            runner.run(
                "features",
                List.of(Store.stat(input)),
                Map.of("k", "1"),
                (data, rejected) -> {
                  Store.write(
                      Store.file(data, "part-0.txt"),
                      "second, broken".getBytes(StandardCharsets.UTF_8));
                  throw new IllegalStateException("worker died");
                }));
    // a body whose rows do not balance is a failure too
    assertThrows(
        IllegalStateException.class,
        () ->
            runner.run(
                "features",
                List.of(Store.stat(input)),
                Map.of("k", "1"),
                (data, rejected) -> {
                  Store.write(
                      Store.file(data, "part-0.txt"),
                      "unbalanced".getBytes(StandardCharsets.UTF_8));
                  return new StageCounts().rowsIn(10).rowsOut(9);
                }));
    ResourceId features = runner.dataDir("features");
    assertEquals(
        "first",
        new String(Store.read(Store.file(features, "part-0.txt")), StandardCharsets.UTF_8));
    JsonNode manifest = runner.lastManifest("features");
    assertEquals(1, manifest.at("/rows/out").asLong());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("FAILED"));
    // a run that succeeds replaces the output whole: the old file goes, the new ones come
    runner.run(
        "features",
        List.of(Store.stat(input)),
        Map.of("k", "1"),
        (data, rejected) -> {
          Store.write(Store.file(data, "part-1.txt"), "third".getBytes(StandardCharsets.UTF_8));
          Store.write(
              Store.file(Store.sub(data, "run_uuid=a"), "x.txt"),
              "nested".getBytes(StandardCharsets.UTF_8));
          return new StageCounts().rowsIn(2).rowsOut(2);
        });
    assertEquals(
        List.of("_manifest.json", "part-1.txt", "run_uuid=a/x.txt"),
        Store.tree(features).stream()
            .map(md -> md.resourceId().toString().substring(features.toString().length()))
            .toList());
    assertEquals(2, runner.lastManifest("features").at("/rows/out").asLong());
    assertTrue(
        log.toString(StandardCharsets.UTF_8)
            .contains("in-progress folders left by earlier failed runs"));
    assertEquals(
        List.of(),
        Store.tree(out).stream()
            .map(md -> md.resourceId().toString())
            .filter(n -> n.contains(".inprogress-"))
            .toList());
  }

  @Test
  public void badInputLayoutIsAClearError() throws Exception {
    Path empty = tmp.newFolder("empty").toPath();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MarketJobTest.runMarket(empty, tmp.newFolder("o1").toPath()));
    assertTrue(e.getMessage(), e.getMessage().contains("symbols_valid_meta.csv"));
    Path in = smallInput();
    IllegalArgumentException stages =
        assertThrows(
            IllegalArgumentException.class,
            () -> MarketJobTest.runMarket(in, tmp.newFolder("o2").toPath(), "--stages=fit"));
    assertTrue(stages.getMessage().contains("--stages"));
    IllegalStateException noIngest =
        assertThrows(
            IllegalStateException.class,
            () -> MarketJobTest.runMarket(in, tmp.newFolder("o3").toPath(), "--stages=features"));
    assertTrue(noIngest.getMessage().contains("ingest"));
    IllegalStateException noFeatures =
        assertThrows(
            IllegalStateException.class,
            () -> MarketJobTest.runMarket(in, tmp.newFolder("o4").toPath(), "--stages=train"));
    assertTrue(noFeatures.getMessage().contains("features"));
  }
}
