package dev.strata.pipelines;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.Json;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.testing.Duck;
import dev.strata.pipelines.testing.JobRun;
import dev.strata.pipelines.testing.MemoryObjectStore;
import dev.strata.pipelines.warehouse.WarehouseGenerator;
import dev.strata.pipelines.warehouse.WarehouseJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * All three jobs with {@code --input} and {@code --output} on an object store ({@link
 * MemoryObjectStore}, {@code mem://}: no directories, objects visible on close, rename = copy +
 * delete, GCS globs), compared row by row with the same job on local directories. This is what a
 * Dataflow run on {@code gs://} needs from the launcher: every listing, manifest, row count and
 * publish goes through Beam's FileSystems, and nothing assumes a local path.
 */
public class ObjectStoreTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private final String bucket = "mem://bucket-" + System.nanoTime() + "/";

  @After
  public void clear() {
    MemoryObjectStore.clear(bucket);
  }

  /** Copies a local directory tree to objects under {@code prefix}. */
  static void upload(Path dir, String prefix) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        MemoryObjectStore.put(
            prefix + dir.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
      }
    }
  }

  /** Runs a job; on the DirectRunner unless {@code args} name a runner. */
  static String run(String... args) throws Exception {
    boolean runner =
        java.util.Arrays.stream(args).anyMatch(a -> a.startsWith("--runner") || a.startsWith("@"));
    return runner
        ? JobRun.ok(args)
        : JobRun.ok(
            JobRun.args(
                args[0],
                List.of(java.util.Arrays.copyOfRange(args, 1, args.length)),
                JobRun.DIRECT));
  }

  static JsonNode manifest(String prefix) throws Exception {
    byte[] b = MemoryObjectStore.get(prefix + StageRunner.MANIFEST);
    assertNotNull("no manifest under " + prefix, b);
    return Json.MAPPER.readTree(b);
  }

  @Test
  public void marketRunsOnAnObjectStoreLikeOnADisk() throws Exception {
    // a slice of the bundled sample: the metadata, and a few ETF and stock files
    Path sample = Path.of("src/test/resources/stocks-sample");
    Path local = tmp.newFolder("in").toPath();
    Files.copy(sample.resolve("symbols_valid_meta.csv"), local.resolve("symbols_valid_meta.csv"));
    for (String dir : new String[] {"etfs", "stocks"}) {
      Files.createDirectories(local.resolve(dir));
      try (Stream<Path> s = Files.list(sample.resolve(dir))) {
        for (Path f : s.sorted().limit(4).toList()) {
          Files.copy(f, local.resolve(dir).resolve(f.getFileName()));
        }
      }
    }
    upload(local, bucket + "in/");
    String[] training = {
      "--epochs=2", "--patience=1", "--hidden=8", "--forestTrees=5", "--sampleRows=2000"
    };
    Path localOut = tmp.newFolder("out").toPath();
    List<String> a = new ArrayList<>(List.of("market", "--input=" + local, "--output=" + localOut));
    a.addAll(List.of(training));
    run(a.toArray(new String[0]));
    List<String> b =
        new ArrayList<>(
            List.of("market", "--input=" + bucket + "in", "--output=" + bucket + "out/"));
    b.addAll(List.of(training));
    run(b.toArray(new String[0]));

    String out = bucket + "out/";
    for (String stage : new String[] {"raw/", "features/", "model/"}) {
      JsonNode remote = manifest(out + stage);
      JsonNode disk = Json.MAPPER.readTree(localOut.resolve(stage + "_manifest.json").toFile());
      assertEquals(stage, "succeeded", remote.path("status").asText());
      assertEquals(stage, disk.path("rows"), remote.path("rows"));
      assertTrue(remote.path("inputs").get(0).path("path").asText().startsWith("mem://"));
    }
    // the same model: the feature files are sharded differently, so sums may differ in the last bit
    JsonNode diskModel =
        Json.MAPPER.readTree(localOut.resolve("model/metrics.json").toFile()).path("model");
    JsonNode remoteModel =
        Json.MAPPER.readTree(MemoryObjectStore.get(out + "model/metrics.json")).path("model");
    assertEquals(diskModel.path("rows"), remoteModel.path("rows"));
    for (String k : new String[] {"mae", "rmse", "r2"}) {
      double x = diskModel.path(k).asDouble();
      assertEquals(k, x, remoteModel.path(k).asDouble(), Math.abs(x) * 1e-12);
    }
    for (String f : new String[] {"model.bin", "loss.csv", "loss.png", "training.log"}) {
      assertNotNull(f, MemoryObjectStore.get(out + "model/" + f));
    }
    assertNotNull(MemoryObjectStore.get(out + "_dag.svg"));
    assertNotNull(MemoryObjectStore.get(out + "raw/_pipeline.dot"));
    // no in-progress prefixes or Beam temp objects left behind after a successful run
    assertTrue(
        MemoryObjectStore.names(out).toString(),
        MemoryObjectStore.names(out).stream()
            .noneMatch(n -> n.contains(".inprogress-") || n.contains(".temp-beam")));

    Path copy = MemoryObjectStore.download(out, tmp.newFolder("copy").toPath());
    try (Duck duck = Duck.open()) {
      for (String data : new String[] {"raw", "features"}) {
        String x = "read_parquet('" + localOut + "/" + data + "/*.parquet')";
        String y = "read_parquet('" + copy + "/" + data + "/*.parquet')";
        long written =
            Json.MAPPER
                .readTree(localOut.resolve(data + "/_manifest.json").toFile())
                .at("/rows/out")
                .asLong();
        assertEquals(data, 23_024, written); // the subset of the sample copied to the bucket
        assertEquals(data, written, duck.count(x));
        assertEquals(data, 0, duck.difference(x, y));
      }
    }
    // a rerun lists the objects, finds every fingerprint unchanged and skips every stage
    String rerun = run(b.toArray(new String[0]));
    assertEquals(rerun, 3, rerun.split("skipped: inputs and options unchanged", -1).length - 1);
  }

  @Test
  public void sensorsRunOnAnObjectStoreLikeOnADisk() throws Exception {
    Path sample = Path.of("src/test/resources/machina/sample_v0.csv");
    MemoryObjectStore.put(bucket + "in/sample_v0.csv", Files.readAllBytes(sample));
    Path localOut = tmp.newFolder("out").toPath();
    run("sensors", "--input=" + sample.toAbsolutePath(), "--output=" + localOut);
    String out = bucket + "out/";
    run("sensors", "--input=" + bucket + "in/*.csv", "--output=" + out);
    // embedded Flink's workers reach the object store through Beam's FileSystems too
    String flinkOut = bucket + "out-flink/";
    run(
        "sensors",
        "--input=" + bucket + "in/*.csv",
        "--output=" + flinkOut,
        "--runner=FlinkRunner",
        "--flinkMaster=[local]",
        "--parallelism=2");

    for (String remote : new String[] {out, flinkOut}) {
      for (String stage : new String[] {"clean/", "runs/"}) {
        JsonNode disk = Json.MAPPER.readTree(localOut.resolve(stage + "_manifest.json").toFile());
        assertEquals(remote + stage, disk.path("rows"), manifest(remote + stage).path("rows"));
      }
      Path copy = MemoryObjectStore.download(remote, tmp.newFolder().toPath());
      JsonNode runs = Json.MAPPER.readTree(localOut.resolve("runs/_manifest.json").toFile());
      // rows each dataset must hold, from the local run's manifests (footer counts)
      long[] expected = {
        Json.MAPPER
            .readTree(localOut.resolve("clean/_manifest.json").toFile())
            .at("/rows/out")
            .asLong(),
        runs.at("/counters/gridPoints").asLong(),
        runs.at("/counters/runs").asLong()
      };
      assertEquals(expected[0], runs.at("/rows/in").asLong());
      try (Duck duck = Duck.open()) {
        String[] globs = {"clean/*.parquet", "runs/*/*.parquet", "run_stats/*.parquet"};
        for (int i = 0; i < globs.length; i++) {
          String glob = globs[i];
          String x = "read_parquet('" + localOut + "/" + glob + "', hive_partitioning=false)";
          String y = "read_parquet('" + copy + "/" + glob + "', hive_partitioning=false)";
          if (glob.startsWith("run_stats")) {
            // when a run's statistics were computed differs between any two runs
            x = "(SELECT * EXCLUDE (recomputed_at) FROM " + x + ")";
            y = "(SELECT * EXCLUDE (recomputed_at) FROM " + y + ")";
          }
          assertEquals(glob, expected[i], duck.count(x));
          assertEquals(remote + glob, 0, duck.difference(x, y));
        }
      }
    }
  }

  @Test
  public void warehouseLoadsFromAnObjectStore() throws Exception {
    Path local = tmp.newFolder("in").toPath();
    WarehouseGenerator g = new WarehouseGenerator(3);
    for (int k = 0; k < 5; k++) {
      g.write(local, k, 40);
    }
    Files.copy(
        Path.of("src/test/resources/datawow/2023-01-01 00:00:00.parquet"),
        local.resolve("real 2023-01-01 00:00:00.parquet"));
    upload(local, bucket + "in/");
    String in = "--input=" + bucket + "in";
    String out = "--output=" + bucket + "out";

    // the embedded PostgreSQL cannot keep its data in a bucket: a clear error, nothing loaded
    IllegalArgumentException noDisk =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class,
            () ->
                WarehouseJob.run(
                    org.apache.beam.sdk.options.PipelineOptionsFactory.fromArgs(in, out)
                        .as(dev.strata.pipelines.warehouse.WarehouseOptions.class),
                    System.out));
    assertTrue(noDisk.getMessage(), noDisk.getMessage().contains("--pgData"));

    String pg = "--pgData=" + tmp.newFolder("pgdata");
    // a mistyped prefix is an error, not a load of nothing
    IllegalArgumentException typo =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class,
            () ->
                WarehouseJob.run(
                    org.apache.beam.sdk.options.PipelineOptionsFactory.fromArgs(
                            "--input=" + bucket + "inn", out, pg)
                        .as(dev.strata.pipelines.warehouse.WarehouseOptions.class),
                    System.out));
    assertTrue(typo.getMessage(), typo.getMessage().contains("holds no .parquet files"));
    run("warehouse", in, out, pg);
    JsonNode m = manifest(bucket + "out/load/");
    assertEquals(6, m.at("/counters/loaded").asLong());
    assertEquals(5 * 40 + 1914, m.at("/counters/rows").asLong());
    assertEquals(0, m.at("/rows/rejected").asLong());
    // the ledger agrees with the objects' bytes
    assertTrue(run("warehouse", "verify", in, out, pg).contains("0 differences"));
    // a rerun hashes the objects again and loads nothing
    run("warehouse", in, out, pg);
    JsonNode again = manifest(bucket + "out/load/");
    assertEquals(0, again.at("/counters/loaded").asLong());
    assertEquals(6, again.at("/counters/unchanged").asLong());
    assertFalse(MemoryObjectStore.names(bucket + "out/").isEmpty());
  }
}
