package dev.strata.pipelines.sensors;

import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.Job;
import dev.strata.pipelines.launcher.JobSpecs;
import dev.strata.pipelines.launcher.Outputs;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.pipelines.launcher.Stages;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.sensors.AlignRuns;
import dev.strata.transforms.sensors.AlignSpec;
import dev.strata.transforms.sensors.CleanReadings;
import dev.strata.transforms.sensors.ComputeRunStatistics;
import dev.strata.transforms.sensors.ParseReadingFiles;
import dev.strata.transforms.sensors.ReadCleanReadings;
import dev.strata.transforms.sensors.ReadingRules;
import dev.strata.transforms.sensors.RunSources;
import dev.strata.transforms.sensors.RunTable;
import dev.strata.transforms.sensors.SpikeDetector;
import dev.strata.transforms.sensors.WriteSensorsParquet;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The sensors job: clean → runs.
 *
 * <pre>
 * readings (Parquet/CSV, long) ─ ParseReadingFiles ─ CleanReadings ─▶ clean/        (stage "clean")
 *                                      └──────────────┴─▶ _rejected/clean/
 *             └─ RunSources ─▶ run_sources/   (lineage: readings per run and file)
 * clean/*.parquet ─ ParseReadingFiles ─ AlignRuns ─┬─▶ runs/run_uuid=&lt;id&gt;/   (stage "runs")
 *                            run_sources/ ─────────┴─▶ run_stats/
 * </pre>
 *
 * <p>Stages run through {@link StageRunner} like the market job's: skipped when inputs and options
 * are unchanged, written atomically with a manifest, rows accounted for (clean: rows read = rows
 * kept + rejected + exact duplicates dropped).
 */
public final class SensorsJob {
  public static final String CLEAN = "clean";
  public static final String RUNS = "runs";
  public static final String RUN_STATS = "run_stats";
  public static final String RUN_SOURCES = "run_sources";
  public static final List<String> STAGES = List.of(CLEAN, RUNS);

  /** The job's entry on the command line. */
  public static final Job JOB =
      new Job(
          "sensors",
          List.of(
              "clean robot readings (stage clean), align each run on a time grid",
              "with kinematics and statistics (stage runs)",
              "--input=FILE_OR_GLOB [--output=out/sensors] [--gridStep=10ms] [--maxGap=auto]",
              "--continuous [--pollSeconds=2] [--settleSeconds=10]: keep processing files as they"
                  + " arrive"),
          SensorsOptions.class,
          true,
          (args, out) -> {
            run(Job.parse("sensors", args, SensorsOptions.class), out);
            return 0;
          });

  private SensorsJob() {}

  public static Map<String, StageRunner.Outcome> run(SensorsOptions options, PrintStream log)
      throws Exception {
    FileSystems.setDefaultPipelineOptions(options);
    // every option is checked before any stage runs: a bad --gridStep must not fail after clean
    List<String> stages = Stages.parse(options.getStages(), STAGES);
    rules(options);
    spikeDetector(options);
    alignSpec(options);
    Store.requireOutputOutsideInput(options.getInput(), options.getOutput());
    if (options.getContinuous()) {
      ContinuousSensors.run(options, log); // with --templateLocation: its streaming spec
      return Map.of();
    }
    ResourceId output = Store.dir(options.getOutput());
    StageRunner runner =
        new StageRunner(output, options.getForce(), log).forSpecs(JobSpecs.specOnly(options));
    Map<String, StageRunner.Outcome> outcomes = new LinkedHashMap<>();
    if (stages.contains(CLEAN)) {
      outcomes.put(CLEAN, clean(options, runner));
    }
    if (stages.contains(RUNS)) {
      outcomes.put(RUNS, runs(options, runner));
    }
    // only what this command produced (or found up to date): --stages=clean makes no runs/
    if (outcomes.containsKey(CLEAN)) {
      log.printf("clean:   %s%n", Store.str(runner.dataDir(CLEAN)));
    }
    if (outcomes.containsKey(RUNS)) {
      log.printf(
          "runs:    %s%nstats:   %s%n",
          Store.str(Store.sub(output, RUNS)) + "/run_uuid=*", Store.sub(output, RUN_STATS));
    }
    return outcomes;
  }

  static ReadingRules rules(SensorsOptions o) {
    double[] p = ReadingRules.parseRange(o.getPositionBounds(), "--positionBounds");
    double[] f = ReadingRules.parseRange(o.getForceBounds(), "--forceBounds");
    return new ReadingRules(p[0], p[1], f[0], f[1]);
  }

  /** The most readings either side the spike detector looks at (it sorts 2n+1 per reading). */
  static final int MAX_SPIKE_WINDOW = 1_000;

  /**
   * The finest grid: 1 ms, ten times finer than the fastest signal (the load cells, every 10 ms).
   * Grid rows per run are runtime / step and each is held in memory while the run is aligned: a 1
   * µs grid would make a 15-minute run 900 M rows.
   */
  static final long MIN_GRID_STEP_NANOS = 1_000_000L;

  static SpikeDetector spikeDetector(SensorsOptions o) {
    if (o.getSpikeWindow() < 2 || o.getSpikeWindow() > MAX_SPIKE_WINDOW) {
      throw new IllegalArgumentException(
          "--spikeWindow must be from 2 to " + MAX_SPIKE_WINDOW + ", not " + o.getSpikeWindow());
    }
    if (!(o.getSpikeThreshold() > 0) || Double.isInfinite(o.getSpikeThreshold())) {
      throw new IllegalArgumentException(
          "--spikeThreshold must be a positive number, not " + o.getSpikeThreshold());
    }
    return new SpikeDetector(o.getSpikeWindow(), o.getSpikeThreshold());
  }

  static AlignSpec alignSpec(SensorsOptions o) {
    long step = AlignSpec.parseDuration(o.getGridStep(), "--gridStep");
    if (step < MIN_GRID_STEP_NANOS) {
      throw new IllegalArgumentException(
          "--gridStep must be at least 1ms (grid rows per run = runtime / step, all in memory),"
              + " not '"
              + o.getGridStep()
              + "'");
    }
    long gap =
        "auto".equalsIgnoreCase(o.getMaxGap().trim())
            ? 0
            : AlignSpec.parseDuration(o.getMaxGap(), "--maxGap");
    return new AlignSpec(step, gap);
  }

  // ------------------------------------------------------------------ stage clean

  static StageRunner.Outcome clean(SensorsOptions options, StageRunner runner) throws Exception {
    String input = options.getInput();
    // A job spec is written offline: the job lists and reads --input when it runs.
    List<MatchResult.Metadata> files = List.of();
    if (!JobSpecs.specOnly(options)) {
      files = Store.match(input);
      if (files.isEmpty()) {
        throw new IllegalArgumentException("--input " + input + " matches no file");
      }
    }
    ReadingRules rules = rules(options);
    SpikeDetector spikes = spikeDetector(options);
    Map<String, String> stageOptions = new TreeMap<>();
    stageOptions.put("input", input);
    stageOptions.put("positionBounds", options.getPositionBounds());
    stageOptions.put("forceBounds", options.getForceBounds());
    stageOptions.put("dropSpikes", Boolean.toString(options.getDropSpikes()));
    stageOptions.put("spikeWindow", Integer.toString(options.getSpikeWindow()));
    stageOptions.put("spikeThreshold", Double.toString(options.getSpikeThreshold()));
    return runner.run(
        CLEAN,
        files,
        stageOptions,
        List.of(RUN_SOURCES),
        (dataDir, rejectedDir, extra) -> {
          Pipeline p = Pipeline.create(options);
          buildClean(
              p,
              input,
              rules,
              spikes,
              options.getDropSpikes(),
              Store.str(dataDir),
              Store.str(extra.get(RUN_SOURCES)),
              Store.str(rejectedDir));
          BeamStage stage = BeamStage.run(p, CLEAN, dataDir);
          StageCounts c = stage.counts();
          c.rowsIn(stage.counter(ParseReadingFiles.class, ParseReadingFiles.ROWS_READ))
              .rowsOut(Outputs.parquetRows(dataDir))
              .rowsRejected(Outputs.countRejected(rejectedDir, c.rejectedByReason()))
              .rowsDropped(stage.counter(CleanReadings.class, CleanReadings.DUPLICATES_DROPPED));
          stage.record(c, ParseReadingFiles.class, ParseReadingFiles.FILES);
          return stage.record(
              c,
              CleanReadings.class,
              CleanReadings.DUPLICATES_DROPPED,
              CleanReadings.CONFLICTING_REJECTED,
              CleanReadings.SPIKES_FLAGGED);
        });
  }

  /**
   * Wires stage clean: readings matching {@code input} to cleaned Parquet in {@code dataDir}, and
   * the runs' lineage ({@link RunSources}) to {@code sourcesDir}.
   */
  public static void buildClean(
      Pipeline p,
      String input,
      ReadingRules rules,
      SpikeDetector spikes,
      boolean dropSpikes,
      String dataDir,
      String sourcesDir,
      String rejectedDir) {
    PCollectionTuple parsed =
        p.apply(
                "MatchReadings",
                FileIO.match()
                    .filepattern(input)
                    .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenReadings", FileIO.readMatches())
            .apply("ParseReadingFiles", ParseReadingFiles.with(rules));
    parsed.get(ParseReadingFiles.READINGS).apply("WriteRunSources", RunSources.write(sourcesDir));
    PCollectionTuple cleaned =
        parsed
            .get(ParseReadingFiles.READINGS)
            .apply("CleanReadings", CleanReadings.of(spikes, dropSpikes));
    cleaned.get(CleanReadings.CLEAN).apply("WriteClean", WriteSensorsParquet.clean(dataDir));
    PCollectionList.of(parsed.get(ParseReadingFiles.FAILURES))
        .and(cleaned.get(CleanReadings.FAILURES))
        .apply("AllRejects", Flatten.pCollections())
        .apply("WriteRejected", WriteFailures.to(rejectedDir));
  }

  // ------------------------------------------------------------------ stage runs

  static StageRunner.Outcome runs(SensorsOptions options, StageRunner runner) throws Exception {
    ResourceId cleanDir = runner.dataDir(CLEAN);
    if (!JobSpecs.specOnly(options)) {
      runner.requirePublished(RUNS, CLEAN, "clean,runs");
    }
    List<MatchResult.Metadata> cleanFiles =
        JobSpecs.specOnly(options) ? List.of() : Store.list(cleanDir, ".parquet");
    AlignSpec spec = alignSpec(options);
    Map<String, String> stageOptions = new TreeMap<>();
    stageOptions.put("gridStep", options.getGridStep());
    stageOptions.put("maxGap", options.getMaxGap());
    return runner.run(
        RUNS,
        cleanFiles,
        stageOptions,
        List.of(RUN_STATS),
        (dataDir, rejectedDir, extra) -> {
          Pipeline p = Pipeline.create(options);
          buildRuns(
              p,
              Store.str(cleanDir) + "/*.parquet",
              Store.str(Store.sub(runner.outputRoot(), RUN_SOURCES)) + "/*.parquet",
              java.time.Instant.now(),
              spec,
              Store.str(dataDir),
              Store.str(extra.get(RUN_STATS)),
              Store.str(rejectedDir));
          BeamStage stage = BeamStage.run(p, RUNS, dataDir);
          StageCounts c = stage.counts();
          // Every clean reading is consumed by its run's alignment, or rejected with its run.
          c.rowsIn(Outputs.parquetRows(cleanDir))
              .rowsOut(
                  stage.counter(ReadCleanReadings.class, ReadCleanReadings.ROWS_READ)
                      - stage.counter(AlignRuns.class, AlignRuns.READINGS_REJECTED))
              .rowsRejected(Outputs.countRejected(rejectedDir, c.rejectedByReason()));
          stage.record(
              c,
              AlignRuns.class,
              AlignRuns.RUNS,
              AlignRuns.GRID_POINTS,
              AlignRuns.GRID_POINTS_DROPPED,
              AlignRuns.RUNS_MISSING_SIGNALS,
              AlignRuns.READINGS_REJECTED);
          long written = Outputs.parquetRows(Store.match(Store.str(dataDir) + "/*/*.parquet"));
          if (written != c.counter(AlignRuns.GRID_POINTS)) {
            throw new IllegalStateException(
                "aligned "
                    + c.counter(AlignRuns.GRID_POINTS)
                    + " grid points but wrote "
                    + written);
          }
          return c;
        });
  }

  /**
   * Wires stage runs: cleaned readings to per-run tables and their statistics, with each run's
   * number of source files from stage clean's lineage ({@code sourcesGlob}) and {@code computedAt}
   * as {@code recomputed_at}.
   */
  public static void buildRuns(
      Pipeline p,
      String cleanGlob,
      String sourcesGlob,
      java.time.Instant computedAt,
      AlignSpec spec,
      String runsDir,
      String statsDir,
      String rejectedDir) {
    PCollectionTuple clean =
        p.apply(
                "MatchClean",
                FileIO.match()
                    .filepattern(cleanGlob)
                    .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenClean", FileIO.readMatches())
            .apply("ReadClean", ReadCleanReadings.create());
    PCollectionTuple aligned =
        clean.get(ReadCleanReadings.READINGS).apply("AlignRuns", AlignRuns.with(spec));
    PCollection<RunTable> runs = aligned.get(AlignRuns.TABLES);
    runs.apply("WriteRuns", WriteSensorsParquet.runs(runsDir));
    PCollectionView<Map<String, Long>> sourceFiles =
        p.apply("SourceFilesPerRun", RunSources.filesPerRun(sourcesGlob));
    long micros =
        Math.addExact(
            Math.multiplyExact(computedAt.getEpochSecond(), 1_000_000L),
            computedAt.getNano() / 1_000L);
    runs.apply("ComputeRunStatistics", ComputeRunStatistics.withLineage(sourceFiles, micros))
        .apply("WriteRunStatistics", WriteSensorsParquet.runStatistics(statsDir));
    PCollectionList.of(clean.get(ReadCleanReadings.FAILURES))
        .and(aligned.get(AlignRuns.FAILURES))
        .apply("AllRejects", Flatten.pCollections())
        .apply("WriteRejected", WriteFailures.to(rejectedDir));
  }
}
