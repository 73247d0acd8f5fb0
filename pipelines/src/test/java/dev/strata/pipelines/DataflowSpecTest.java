package dev.strata.pipelines;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Each job, given {@code @runner-configs/dataflow.args} and the offline options, writes a Dataflow
 * job spec per Beam stage without contacting Google (no credentials, no path validation, local temp
 * and staging), and the spec holds our composite transforms by name: the pipeline code translates
 * for Dataflow unchanged.
 */
public class DataflowSpecTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final java.util.concurrent.atomic.AtomicInteger RUNS =
      new java.util.concurrent.atomic.AtomicInteger();

  static String run(String job, String... jobArgs) throws Exception {
    Path root = TMP.newFolder(job + "-" + RUNS.incrementAndGet()).toPath();
    Path stage = root.resolve("stage.jar");
    Files.write(stage, new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0}); // stands in for strata.jar
    List<String> args = new ArrayList<>(List.of(job));
    args.addAll(List.of(jobArgs));
    if (args.stream().noneMatch(a -> a.startsWith("--output="))) {
      args.add("--output=" + root.resolve("out"));
    }
    args.addAll(
        List.of(
            "@../runner-configs/dataflow.args",
            "--project=strata-offline",
            "--region=europe-west1",
            "--templateLocation=" + root.resolve("specs"),
            "--tempLocation=" + root.resolve("tmp"),
            "--gcpTempLocation=" + root.resolve("tmp"),
            "--stagingLocation=" + root.resolve("staging"),
            "--filesToStage=" + stage,
            "--pathValidatorClass=org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator",
            "--credentialFactoryClass=org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      code = Strata.run(args.toArray(String[]::new), out, out);
    }
    assertEquals(bytes.toString(StandardCharsets.UTF_8), 0, code);
    return bytes.toString(StandardCharsets.UTF_8) + "\n@" + root.resolve("specs");
  }

  static String spec(String log, String stage) throws Exception {
    Path dir = Path.of(log.substring(log.lastIndexOf('@') + 1));
    Path spec = dir.resolve(stage + ".json");
    assertTrue(log, log.contains("[" + stage + "] Dataflow job spec written to " + spec));
    assertTrue(spec + " missing", Files.isRegularFile(spec));
    return Files.readString(spec);
  }

  static void assertSteps(String spec, String... names) {
    for (String n : names) {
      assertTrue("no step " + n + " in the spec", spec.contains("\"" + n));
    }
  }

  @Test
  public void marketWritesASpecPerBeamStage() throws Exception {
    String log = run("market", "--input=src/test/resources/stocks-sample");
    assertSteps(
        spec(log, "ingest"), "ParseBarFiles", "JoinSecurityNames", "WriteRaw", "WriteRejected");
    assertSteps(spec(log, "features"), "ReadRaw", "RollingFeatures", "WriteFeatures");
    assertTrue(log, log.contains("[train] not a Beam pipeline: no Dataflow job spec"));
  }

  @Test
  public void sensorsWritesASpecPerBeamStage() throws Exception {
    String log = run("sensors", "--input=src/test/resources/machina/sample_v0.csv");
    assertSteps(spec(log, "clean"), "ParseReadingFiles", "CleanReadings", "WriteClean");
    assertSteps(spec(log, "runs"), "ReadClean", "AlignRuns", "WriteRuns", "WriteRunStatistics");
  }

  @Test
  public void warehouseWritesASpec() throws Exception {
    String log = run("warehouse", "--input=src/test/resources/datawow", DB);
    assertSteps(spec(log, "load"), "MatchFiles", "LoadToPostgres", "WriteRejected");
  }

  /**
   * {@code --continuous}: a Dataflow streaming job's spec, with the arrivals (Watch, its paced
   * listing and the stability check), the ledger pre-filter and the load.
   */
  @Test
  public void warehouseContinuousWritesAStreamingSpec() throws Exception {
    String log = run("warehouse", "--input=src/test/resources/datawow", DB, "--continuous");
    assertTrue(log, log.contains("[load-continuous] writing its Dataflow streaming job spec"));
    String spec = spec(log, "load-continuous");
    assertTrue("not a streaming job", spec.contains("\"type\":\"JOB_TYPE_STREAMING\""));
    assertTrue("streaming off", spec.contains("\"streaming\":true"));
    assertSteps(
        spec,
        "Arrivals",
        "Arrivals/ListEveryPoll",
        "Arrivals/AwaitStable",
        "SkipKnownVersions",
        "LoadToPostgres",
        "WriteRejected");
    // the batch spec is another file, and a batch job
    String batch = spec(run("warehouse", "--input=src/test/resources/datawow", DB), "load");
    assertTrue("the batch spec is streaming", batch.contains("\"type\":\"JOB_TYPE_BATCH\""));
  }

  /**
   * {@code sensors --continuous}: a Dataflow streaming job's spec, with the ledger's recovery
   * gating the arrivals, the staging, the per-run settle timer and the one publisher.
   */
  @Test
  public void sensorsContinuousWritesAStreamingSpec() throws Exception {
    Path in = TMP.newFolder("sensors-in").toPath();
    String log = run("sensors", "--input=" + in, "--continuous", "--settleSeconds=30");
    assertTrue(log, log.contains("[sensors-continuous] writing its Dataflow streaming job spec"));
    String spec = spec(log, "sensors-continuous");
    assertTrue("not a streaming job", spec.contains("\"type\":\"JOB_TYPE_STREAMING\""));
    assertSteps(
        spec,
        "Recover",
        "Arrivals/ListEveryPoll",
        "Arrivals/AwaitStable",
        "Runs/StageFileVersions",
        "Runs/SettleAndRecompute",
        "Runs/PublishRunStats");
    // nothing was written to --output: the job writes its ledger when it runs
    Path out = Path.of(log.substring(log.lastIndexOf('@') + 1)).resolveSibling("out");
    assertTrue(out + " was written", !Files.exists(out));
  }

  private static final String DB = "--jdbcUrl=jdbc:postgresql://db.internal:5432/dwh";

  /**
   * The submit commands of runner-configs/README.md, with input and output in a bucket: the specs
   * are written without listing or reading the bucket (this machine cannot reach one, so any
   * attempt would fail), and they name the bucket's paths.
   */
  @Test(timeout = 300_000)
  public void specsForBucketPathsAreWrittenWithoutTouchingTheBucket() throws Exception {
    String b = "gs://strata-offline-bucket/";
    String market = run("market", "--input=" + b + "kaggle", "--output=" + b + "market");
    assertSteps(spec(market, "ingest"), "ParseBarFiles", "WriteRaw");
    assertTrue(market, market.contains("[ingest] writing its Dataflow job spec"));
    assertSteps(spec(market, "features"), "RollingFeatures", "WriteFeatures");
    String sensors = run("sensors", "--input=" + b + "machina/*.csv", "--output=" + b + "sensors");
    assertTrue(spec(sensors, "clean").contains(b + "machina/*.csv"));
    assertSteps(spec(sensors, "runs"), "AlignRuns", "WriteRunStatistics");
    String live =
        run(
            "sensors",
            "--input=" + b + "machina",
            "--output=" + b + "sensors-live",
            "--continuous");
    assertSteps(spec(live, "sensors-continuous"), "Recover", "Arrivals", "Runs/SettleAndRecompute");
    String warehouse =
        run("warehouse", "--input=" + b + "datawow", "--output=" + b + "warehouse", DB);
    assertSteps(spec(warehouse, "load"), "LoadToPostgres");
    String streaming =
        run(
            "warehouse",
            "--input=" + b + "datawow",
            "--output=" + b + "warehouse",
            DB,
            "--continuous");
    assertSteps(spec(streaming, "load-continuous"), "Arrivals", "LoadToPostgres");
    // a spec for an embedded PostgreSQL would point Dataflow's workers at this machine
    IllegalArgumentException noDb =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class, () -> run("warehouse", "--input=" + b + "datawow"));
    assertTrue(noDb.getMessage(), noDb.getMessage().contains("--jdbcUrl"));
  }
}
