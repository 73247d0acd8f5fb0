package dev.strata.pipelines.warehouse;

import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.ContinuousOptions;
import dev.strata.pipelines.launcher.Job;
import dev.strata.pipelines.launcher.JobSpecs;
import dev.strata.pipelines.launcher.Outputs;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.warehouse.FileLoader;
import dev.strata.transforms.warehouse.LoadToPostgres;
import java.io.PrintStream;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * The warehouse job: every Parquet file of {@code --input} into PostgreSQL, exactly once per file
 * version ({@link LoadToPostgres}, {@link FileLoader}), files in parallel over several connections,
 * the index built after the bulk load. Without {@code --jdbcUrl} an embedded real PostgreSQL
 * (zonky) is started with its data in {@code --pgData}, kept between runs.
 *
 * <p>The stage never skips as a whole: the ledger decides per file, so a rerun costs a checksum per
 * file and loads only new or changed files.
 */
public final class WarehouseJob {
  public static final String LOAD = "load";

  /**
   * The job's entry on the command line; {@code warehouse verify ...} runs {@link WarehouseVerify}.
   */
  public static final Job JOB =
      new Job(
          "warehouse",
          List.of(
              "load a directory of Parquet files into PostgreSQL, once per file",
              "--input=DIR [--output=out/warehouse] [--jdbcUrl=...] [--table=dwh.data_sample]",
              "verify --input=DIR [...]: compare the files, the ledger and the table"),
          WarehouseOptions.class,
          true,
          (args, out) -> {
            if (args.length > 0 && args[0].equals("verify")) {
              return verify(
                  Job.parse(
                      "warehouse",
                      java.util.Arrays.copyOfRange(args, 1, args.length),
                      WarehouseOptions.class),
                  out);
            }
            run(Job.parse("warehouse", args, WarehouseOptions.class), out);
            return 0;
          });

  private WarehouseJob() {}

  public static Map<String, StageRunner.Outcome> run(WarehouseOptions o, PrintStream log)
      throws Exception {
    FileSystems.setDefaultPipelineOptions(o);
    // every option is checked before PostgreSQL starts or anything is read
    FileLoader loader = new FileLoader(o.getTable());
    java.time.LocalDateTime[] range = replaceRange(o);
    if (o.getRole() != null) {
      loader.roleSql(o.getRole(), o.getRolePassword());
    }
    ContinuousOptions.poll(o);
    Store.requireOutputOutsideInput(o.getInput(), o.getOutput());
    ResourceId input = Store.dir(o.getInput());
    ResourceId output = Store.dir(o.getOutput());
    if (JobSpecs.specOnly(o)) {
      return writeSpec(o, input, output, log);
    }
    Store.requireLocalDirectory(
        "--input", o.getInput(), input, "give the directory of the Parquet files to load");
    Store.createDirectory(output);
    try (Database db = Database.open(o, log)) {
      LoadToPostgres.Target target = db.target();
      try (Connection c = Database.connect(target)) {
        loader.createTables(c);
        if (range != null) {
          int n = loader.forgetRange(c, range[0], range[1]);
          log.printf(
              "[%s] backfill %s .. %s: %,d files forgotten, reloading them%n",
              LOAD, o.getReplaceFrom(), o.getReplaceTo(), n);
        }
      }
      if (o.getContinuous()) {
        ContinuousLoad.run(o, input, output, target, loader, log);
        return Map.of();
      }
      List<MatchResult.Metadata> files = Store.list(input, ".parquet");
      if (files.isEmpty() && !Store.isLocal(input)) {
        // a bucket has no directories to check: a mistyped prefix would load nothing,
        // "successfully"
        throw new IllegalArgumentException("--input " + o.getInput() + " holds no .parquet files");
      }
      Map<String, String> stageOptions = new TreeMap<>();
      stageOptions.put("input", Store.str(input));
      stageOptions.put("target", target.toString());
      StageRunner runner = new StageRunner(output, true, log);
      long t0 = System.nanoTime();
      LoadProgress progress = new LoadProgress(target, loader, files.size(), log);
      StageRunner.Outcome outcome;
      try (progress) {
        outcome =
            runner.run(
                LOAD,
                files,
                stageOptions,
                (dataDir, rejectedDir) -> {
                  Pipeline p = Pipeline.create(o);
                  buildLoad(p, input, target, Store.str(rejectedDir));
                  BeamStage stage = BeamStage.run(p, LOAD, dataDir);
                  StageCounts c = stage.counts();
                  // Accounting is per file: every file is loaded, unchanged or rejected.
                  long processed = stage.counter(LoadToPostgres.class, LoadToPostgres.FILES);
                  long rejected = Outputs.countRejected(rejectedDir, c.rejectedByReason());
                  c.unit("files")
                      .rowsIn(processed)
                      .rowsRejected(rejected)
                      .rowsOut(processed - rejected);
                  stage.record(
                      c,
                      LoadToPostgres.class,
                      LoadToPostgres.LOADED,
                      LoadToPostgres.REPLACED,
                      LoadToPostgres.UNCHANGED,
                      LoadToPostgres.REJECTED,
                      LoadToPostgres.ROWS);
                  if (processed != files.size()) {
                    throw new IllegalStateException(
                        "listed " + files.size() + " files but processed " + processed);
                  }
                  return c;
                });
      }
      try (Connection c = Database.connect(target)) {
        loader.indexAndAnalyze(c);
        if (o.getRole() != null) {
          try (java.sql.Statement st = c.createStatement()) {
            st.execute(loader.roleSql(o.getRole(), o.getRolePassword()));
          }
          log.printf("[%s] role %s can SELECT and INSERT in %s%n", LOAD, o.getRole(), o.getTable());
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      var ctr = outcome.manifest.path("counters");
      log.printf(
          "[%s] files: %,d loaded, %,d replaced, %,d unchanged, %,d rejected; %,d rows in %.1f s"
              + " (%,.0f rows/s)%n",
          LOAD,
          ctr.path("loaded").asLong(),
          ctr.path("replaced").asLong(),
          ctr.path("unchanged").asLong(),
          ctr.path("rejected").asLong(),
          ctr.path("rows").asLong(),
          secs,
          ctr.path("rows").asLong() / secs);
      if (o.getRole() == null) {
        log.printf(
            "[%s] a least-privilege role for %s (apply with --role=NAME, or as a DBA):%n%s%n",
            LOAD, o.getTable(), loader.roleSql("dwh_writer", null));
      }
      if (db.embedded() != null && o.getKeepRunning()) {
        log.printf(
            "[%s] PostgreSQL keeps running at %s (Ctrl-C stops it)%n", LOAD, target.jdbcUrl());
        Thread.currentThread().join();
      }
      return Map.of(LOAD, outcome);
    }
  }

  /** {@code --replaceFrom} and {@code --replaceTo} as times, or null when neither is given. */
  static java.time.LocalDateTime[] replaceRange(WarehouseOptions o) {
    if (o.getReplaceFrom() == null && o.getReplaceTo() == null) {
      return null;
    }
    if (o.getReplaceFrom() == null || o.getReplaceTo() == null) {
      throw new IllegalArgumentException("--replaceFrom and --replaceTo go together");
    }
    java.time.LocalDateTime[] r = new java.time.LocalDateTime[2];
    String[] names = {"--replaceFrom", "--replaceTo"};
    String[] values = {o.getReplaceFrom(), o.getReplaceTo()};
    for (int i = 0; i < 2; i++) {
      try {
        r[i] = java.time.LocalDateTime.parse(values[i].trim());
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(
            names[i] + " must be a time like 2023-01-01T00:00:00, not '" + values[i] + "'");
      }
    }
    if (!r[0].isBefore(r[1])) {
      throw new IllegalArgumentException(
          "--replaceFrom must be before --replaceTo, but "
              + values[0]
              + " is not before "
              + values[1]);
    }
    return r;
  }

  /** The Parquet files in {@code input} into PostgreSQL; rejected files to {@code rejectedDir}. */
  static void buildLoad(
      Pipeline p, ResourceId input, LoadToPostgres.Target target, String rejectedDir) {
    String glob = Store.str(input) + "/*.parquet";
    PCollectionTuple loaded =
        p.apply(
                "MatchFiles",
                FileIO.match().filepattern(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            // FileIO.match() has dropped the modification time already (its MatchFn's output is
            // coded with MetadataCoder): a batch load records source_mtime null, and the first
            // continuous run after it reads each file once more (unchanged: only the time is set)
            .apply("OpenFiles", FileIO.readMatches())
            .apply("LoadToPostgres", LoadToPostgres.into(target));
    loaded.get(LoadToPostgres.FAILURES).apply("WriteRejected", WriteFailures.to(rejectedDir));
  }

  /**
   * Dataflow spec mode ({@link JobSpecs}): writes the load's job spec (with {@code --continuous}
   * the streaming job's, {@link ContinuousLoad#writeSpec}), touching no database and neither
   * reading {@code --input} nor writing {@code --output} (the job does when it runs). The spec does
   * not carry the password (workers use their own {@code PGPASSWORD}); the tables are created by a
   * normal run or a DBA.
   */
  private static Map<String, StageRunner.Outcome> writeSpec(
      WarehouseOptions o, ResourceId input, ResourceId output, PrintStream log) throws Exception {
    if (o.getReplaceFrom() != null || o.getReplaceTo() != null) {
      throw new IllegalArgumentException(
          "--replaceFrom/--replaceTo change the database now, but a Dataflow job spec runs later:"
              + " run the backfill without --templateLocation");
    }
    if (o.getJdbcUrl() == null || o.getJdbcUrl().isBlank()) {
      throw new IllegalArgumentException(
          "a Dataflow job loads into a PostgreSQL server its workers reach: give --jdbcUrl"
              + " (an embedded one lives only as long as this process)");
    }
    LoadToPostgres.Target target =
        new LoadToPostgres.Target(o.getJdbcUrl(), o.getUser(), null, o.getTable());
    if (o.getContinuous()) {
      ContinuousLoad.writeSpec(o, input, output, target, log); // a streaming job: no stage run
      return Map.of();
    }
    StageRunner.Outcome outcome =
        new StageRunner(output, true, log)
            .forSpecs(true)
            .run(
                LOAD,
                List.of(),
                Map.of("input", Store.str(input), "target", target.toString()),
                (dataDir, rejectedDir) -> {
                  Pipeline p = Pipeline.create(o);
                  buildLoad(p, input, target, Store.str(rejectedDir));
                  BeamStage.run(p, LOAD, null); // writes the spec and stops
                  throw new IllegalStateException("spec mode ran the load");
                });
    return Map.of(LOAD, outcome);
  }

  /** {@code strata warehouse verify}: see {@link WarehouseVerify}. */
  public static int verify(WarehouseOptions o, PrintStream log) throws Exception {
    return WarehouseVerify.run(o, log);
  }
}
