package dev.strata.pipelines.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.testing.MemoryObjectStore;
import dev.strata.transforms.common.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@link StageRunner} with fake stage bodies that write a few small files: skipping by fingerprint,
 * {@code --force}, a failure or an unbalanced accounting keeping the previous output, the manifest
 * as the commit on an object store, and the folders a job names. No Beam pipeline runs here, so
 * these are fast.
 */
public class StageRunnerTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** Registers Beam's file systems (mem:// among them) whatever ran before in this JVM. */
  @BeforeClass
  public static void registerFileSystems() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  private StageRunner runner(ResourceId out, boolean force) {
    return new StageRunner(out, force, new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  private static StageRunner.Body writes(String file, String text, long rows) {
    return (data, rejected) -> {
      Store.write(Store.file(data, file), text.getBytes(StandardCharsets.UTF_8));
      return new StageCounts().rowsIn(rows).rowsOut(rows).runner("fake");
    };
  }

  private ResourceId local(String name) throws Exception {
    return Store.dir(tmp.newFolder(name).getAbsolutePath());
  }

  @Test
  public void unchangedInputsAndOptionsSkipAndForceReruns() throws Exception {
    ResourceId out = local("skip");
    ResourceId input = Store.file(out, "input.txt");
    Store.write(input, "v1".getBytes(StandardCharsets.UTF_8));
    StageRunner.Outcome first =
        runner(out, false)
            .run("s", List.of(Store.stat(input)), Map.of("k", "1"), writes("a", "1", 1));
    assertFalse(first.skipped);
    assertEquals("succeeded", first.manifest.path("status").asText());
    assertEquals(BuildInfo.version(), first.manifest.path("code_version").asText());
    assertEquals("fake", first.manifest.path("runner").asText());
    assertEquals(1, first.manifest.at("/inputs").size());
    assertEquals(2, first.manifest.path("input_bytes").asLong());
    // the same inputs and options: skipped, the body never runs
    StageRunner.Outcome second =
        runner(out, false)
            .run(
                "s",
                List.of(Store.stat(input)),
                Map.of("k", "1"),
                (d, r) -> {
                  throw new AssertionError("a skipped stage ran its body");
                });
    assertTrue(second.skipped);
    assertEquals(
        first.manifest.path("fingerprint").asText(), second.manifest.path("fingerprint").asText());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("[s] skipped"));
    // another option value: rerun
    assertFalse(
        runner(out, false)
            .run("s", List.of(Store.stat(input)), Map.of("k", "2"), writes("a", "2", 1))
            .skipped);
    // forced: rerun even though nothing changed
    StageRunner.Outcome forced =
        runner(out, true)
            .run("s", List.of(Store.stat(input)), Map.of("k", "2"), writes("a", "3", 1));
    assertFalse(forced.skipped);
    assertEquals(
        "3", new String(Store.read(Store.file(Store.sub(out, "s"), "a")), StandardCharsets.UTF_8));
  }

  @Test
  public void accountingThatDoesNotBalanceFailsAndNamesTheRows() throws Exception {
    ResourceId out = local("unbalanced");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                runner(out, false)
                    .run(
                        "s",
                        List.of(),
                        Map.of(),
                        (d, r) -> new StageCounts().rowsIn(10).rowsOut(7).rowsRejected(2)));
    assertTrue(e.getMessage(), e.getMessage().contains("10 in != 7 out + 2 rejected + 0 dropped"));
    assertFalse(runner(out, false).published("s"));
    // dropped rows count: 10 = 7 + 2 + 1 balances
    StageRunner.Outcome ok =
        runner(out, false)
            .run(
                "s",
                List.of(),
                Map.of(),
                (d, r) ->
                    new StageCounts()
                        .rowsIn(10)
                        .rowsOut(7)
                        .rowsRejected(2)
                        .rowsDropped(1)
                        .rejected("bad_row", 2)
                        .counter("files", 3)
                        .extra("outputs", List.of("part-0")));
    assertEquals(10, ok.manifest.at("/rows/in").asLong());
    assertEquals(1, ok.manifest.at("/rows/dropped").asLong());
    assertEquals(2, ok.manifest.at("/rows/rejected_by_reason/bad_row").asLong());
    assertEquals(3, ok.manifest.at("/counters/files").asLong());
    assertEquals("part-0", ok.manifest.at("/outputs/0").asText());
  }

  @Test
  public void aJobNamesItsStagesFoldersAndAStageNeedsThePreviousOne() throws Exception {
    ResourceId out = local("folders");
    StageRunner runner = runner(out, false).withFolders(Map.of("ingest", "raw"));
    assertEquals(Store.sub(out, "raw"), runner.dataDir("ingest"));
    assertEquals(Store.sub(out, "features"), runner.dataDir("features"));
    IllegalStateException missing =
        assertThrows(
            IllegalStateException.class,
            () -> runner.requirePublished("features", "ingest", "ingest,features"));
    assertTrue(missing.getMessage(), missing.getMessage().contains("run --stages=ingest,features"));
    StageRunner.Outcome ingest =
        runner.run("ingest", List.of(), Map.of(), writes("part-0", "x", 1));
    runner.requirePublished("features", "ingest", "ingest,features");
    assertTrue(Store.exists(Store.file(Store.sub(out, "raw"), StageRunner.MANIFEST)));
    // rejects stay under the stage's name, whatever its data folder is called
    assertEquals(
        Store.sub(Store.sub(out, "_rejected"), "ingest").toString(),
        ingest.manifest.path("rejected_dir").asText());
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
      StageRunner runner = runner(out, false);
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
}
