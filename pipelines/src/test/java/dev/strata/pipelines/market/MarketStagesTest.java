package dev.strata.pipelines.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.StageRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
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
    // inputs sorted by path, each with its size and modification time as the fingerprint saw them
    JsonNode firstInput = m.get("inputs").get(0);
    Path bsmo = in.resolve("etfs/BSMO.csv");
    assertEquals(bsmo.toAbsolutePath().toString(), firstInput.get("path").asText());
    assertEquals(Files.size(bsmo), firstInput.get("size").asLong());
    assertEquals(
        Files.getLastModifiedTime(bsmo).toMillis(), firstInput.get("modified_ms").asLong());
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

    // an input touched, its bytes the same: ingest looks at it (an increment with nothing to
    // add) and records its new time; raw/ is the same files, so features is skipped
    Path ai = in.resolve("stocks/AI.csv");
    Files.setLastModifiedTime(ai, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    Map<String, StageRunner.Outcome> fourth =
        run(in, out, "--seed=7", "--window=30d", "--stages=ingest,features");
    assertFalse(fourth.get("ingest").skipped);
    assertEquals("incremental", fourth.get("ingest").manifest.at("/run/kind").asText());
    assertEquals(0, fourth.get("ingest").manifest.at("/rows/out").asLong());
    assertTrue(fourth.get("features").skipped);
    // an input changed: ingest recomputes that symbol alone, and features reruns (a calendar-day
    // window is recomputed whole)
    Files.writeString(
        ai, Files.readString(ai).replaceFirst("\n(\\d{4}-\\d\\d-\\d\\d),(\\d)", "\n$1,9"));
    Files.setLastModifiedTime(ai, FileTime.fromMillis(System.currentTimeMillis() + 120_000));
    Map<String, StageRunner.Outcome> changed =
        run(in, out, "--seed=7", "--window=30d", "--stages=ingest,features");
    assertEquals("incremental", changed.get("ingest").manifest.at("/run/kind").asText());
    assertEquals("[\"AI\"]", changed.get("ingest").manifest.at("/run/recomputed").toString());
    assertFalse(changed.get("features").skipped);
    assertEquals("full", changed.get("features").manifest.at("/run/kind").asText());

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
  public void badInputLayoutIsAClearError() throws Exception {
    Path empty = tmp.newFolder("empty").toPath();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MarketJobTest.runMarket(empty, tmp.newFolder("o1").toPath()));
    assertTrue(e.getMessage(), e.getMessage().contains("symbols_valid_meta.csv"));
    // an input that does not exist, or is a file, says exactly that
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> MarketJobTest.runMarket(empty.resolve("nope"), tmp.newFolder("o0").toPath()));
    assertTrue(missing.getMessage(), missing.getMessage().contains("does not exist"));
    Path aFile = Files.writeString(empty.resolve("prices.csv"), "Date\n");
    IllegalArgumentException file =
        assertThrows(
            IllegalArgumentException.class,
            () -> MarketJobTest.runMarket(aFile, tmp.newFolder("o00").toPath()));
    assertTrue(file.getMessage(), file.getMessage().contains("is a file"));
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
    // an output that is a regular file: the stage's own error and FAILED line, not the picture's
    Path aFileAsOutput = Files.writeString(tmp.getRoot().toPath().resolve("out-is-a-file"), "x");
    java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
    Exception stageError =
        assertThrows(
            Exception.class,
            () ->
                MarketJob.run(
                    org.apache.beam.sdk.options.PipelineOptionsFactory.fromArgs(
                            "--input=" + in, "--output=" + aFileAsOutput)
                        .as(MarketOptions.class),
                    new java.io.PrintStream(log, true, StandardCharsets.UTF_8)));
    String printed = log.toString(StandardCharsets.UTF_8);
    assertTrue(printed, printed.contains("[ingest] FAILED: cannot create its folders"));
    assertTrue(printed, printed.contains("[dag] not written"));
    assertFalse(stageError.toString(), stageError.toString().contains("_dag"));
    // an output inside the input is refused before anything is written
    Path inside = in.resolve("stocks/out");
    IllegalArgumentException nested =
        assertThrows(IllegalArgumentException.class, () -> MarketJobTest.runMarket(in, inside));
    assertTrue(nested.getMessage(), nested.getMessage().contains("is inside --input"));
    assertFalse(Files.exists(inside));
  }
}
