package dev.strata.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.model.DjlEnvironment;
import dev.strata.model.TrainConfig;
import dev.strata.model.TrainVolumeModel;
import dev.strata.model.VolumeModel;
import dev.strata.pipelines.market.ParquetFeatureSource;
import dev.strata.pipelines.options.MarketOptions;
import dev.strata.transforms.common.ParquetChannels;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.market.JoinSecurityNames;
import dev.strata.transforms.market.ParseBarFiles;
import dev.strata.transforms.market.ReadMarketParquet;
import dev.strata.transforms.market.ReadSymbolMetadata;
import dev.strata.transforms.market.RollingFeatures;
import dev.strata.transforms.market.SymbolMetadata;
import dev.strata.transforms.market.WindowSpec;
import dev.strata.transforms.market.WriteMarketParquet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.util.construction.renderer.PipelineDotRenderer;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.parquet.hadoop.ParquetFileReader;

/**
 * The market job: ingest → features → train.
 *
 * <pre>
 * symbols_valid_meta.csv ─┐
 * etfs/*.csv, stocks/*.csv ─ ParseBarFiles ─ JoinSecurityNames ─▶ raw/       (stage "ingest")
 *                                  └─▶ _rejected/ingest/
 * raw/*.parquet ─ ReadMarketParquet ─ RollingFeatures ─▶ features/             (stage "features")
 *                                          └─▶ _rejected/features/
 * features/*.parquet ─ TrainVolumeModel (DJL) ─▶ model/model.bin, metrics.json, training.log,
 *                                                loss.csv, loss.png         (stage "train")
 * </pre>
 *
 * <p>Ingest and features are Beam pipelines (their graphs are saved as {@code _pipeline.dot} in
 * their folders); train runs in this process on DJL, streaming the feature files. After every run,
 * {@code <output>/_dag.svg} and {@code _dag.dot} picture the stages with their last row counts and
 * durations.
 *
 * <p>Options: {@link MarketOptions}. Each stage is run by {@link StageRunner}: skipped when its
 * inputs and options are unchanged, written atomically, with a {@code _manifest.json} holding the
 * inputs, options, runner, timings and row accounting (rows in = rows out + rows rejected, checked
 * against the files actually written). Rejected rows are JSON lines with file, line, reason and the
 * original text. The same graph runs on the DirectRunner, embedded Flink and other Beam runners;
 * the launcher's own I/O (listing, manifests, counting) goes through Beam's FileSystems ({@link
 * Store}), so {@code --input} and {@code --output} may be local or {@code gs://} alike.
 */
public final class MarketPipeline {
  public static final String INGEST = "ingest";
  public static final String FEATURES = "features";
  public static final String TRAIN = "train";

  /** Stage 0, with {@code --download}: the Kaggle archive into {@code --input}. */
  public static final String DOWNLOAD = "download";

  public static final List<String> STAGES = List.of(INGEST, FEATURES, TRAIN);
  static final String PIPELINE_DOT = "_pipeline.dot";
  static final String METADATA_FILE = "symbols_valid_meta.csv";

  private MarketPipeline() {}

  public static void main(String[] args) throws Exception {
    MarketOptions options =
        PipelineOptionsFactory.fromArgs(RunnerArgs.expand(args))
            .withValidation()
            .as(MarketOptions.class);
    run(options, System.out);
  }

  /** Runs the selected stages in DAG order; returns each stage's manifest outcome. */
  public static Map<String, StageRunner.Outcome> run(MarketOptions options, PrintStream log)
      throws Exception {
    FileSystems.setDefaultPipelineOptions(options);
    ResourceId input = Store.dir(options.getInput());
    ResourceId output = Store.dir(options.getOutput());
    List<String> stages =
        parseStages(options.getStages() == null ? String.join(",", STAGES) : options.getStages());
    WindowSpec window = WindowSpec.parse(options.getWindow());
    StageRunner runner =
        new StageRunner(output, options.getForce(), log).forSpecs(JobSpecs.specOnly(options));
    TrainConfig training = trainConfig(options);
    Map<String, StageRunner.Outcome> outcomes = new LinkedHashMap<>();
    String failed = null;
    try {
      if (options.getDownload() != null && !options.getDownload().isBlank()) {
        failed = DOWNLOAD;
        outcomes.put(DOWNLOAD, download(options, input, log));
      }
      if (stages.contains(INGEST)) {
        failed = INGEST;
        outcomes.put(INGEST, ingest(options, input, runner));
      }
      if (stages.contains(FEATURES)) {
        failed = FEATURES;
        outcomes.put(FEATURES, features(options, window, runner));
      }
      if (stages.contains(TRAIN) && JobSpecs.specOnly(options)) {
        log.printf("[%s] not a Beam pipeline: no Dataflow job spec%n", TRAIN);
      } else if (stages.contains(TRAIN)) {
        failed = TRAIN;
        outcomes.put(TRAIN, train(options, training, runner));
      }
      failed = null;
    } finally {
      if (!JobSpecs.specOnly(options)) { // a spec is written without touching input or output
        writeDag(input, runner, outcomes, failed);
      }
    }
    if (outcomes.containsKey(TRAIN)) {
      ResourceId model = runner.dataDir(TRAIN);
      log.printf(
          "model:   %s%nmetrics: %s%nlogs:    %s, %s, %s%n",
          Store.file(model, VolumeModel.FILE_NAME),
          Store.file(model, TrainVolumeModel.METRICS_FILE),
          Store.file(model, TrainVolumeModel.LOG_FILE),
          Store.file(model, TrainVolumeModel.LOSS_CSV),
          Store.file(model, TrainVolumeModel.LOSS_PNG));
    }
    if (!JobSpecs.specOnly(options)) {
      log.printf("dag:     %s%n", Store.file(output, "_dag.svg"));
    }
    return outcomes;
  }

  /** The training settings from the options; paths are set per run by the stage. */
  static TrainConfig trainConfig(MarketOptions o) {
    int[] hidden;
    try {
      hidden =
          java.util.Arrays.stream(o.getHidden().split(","))
              .map(String::trim)
              .mapToInt(Integer::parseInt)
              .toArray();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--hidden must be comma-separated layer sizes like 64,64, but was '"
              + o.getHidden()
              + "'");
    }
    Path unset = Path.of(System.getProperty("java.io.tmpdir"));
    TrainConfig d = TrainConfig.defaults(unset, unset);
    return d.withHidden(hidden)
        .withEpochs(o.getEpochs(), o.getPatience())
        .withBatch(
            o.getBatchSize(), o.getLearningRate(), Math.max(d.bucketRows(), o.getBatchSize()))
        .withSeed(o.getSeed())
        .withForest(o.getForestTrees(), o.getSampleRows(), o.getForestTestRows());
  }

  private static void writeDag(
      ResourceId input,
      StageRunner runner,
      Map<String, StageRunner.Outcome> outcomes,
      String failed)
      throws IOException {
    DagReport dag = new DagReport();
    JsonNode ingest = runner.lastManifest(INGEST);
    List<String> inputLines = new ArrayList<>();
    inputLines.add(abbreviate(Store.str(input), 34));
    if (ingest != null) {
      inputLines.add(String.format("%,d files", ingest.path("inputs").size()));
      inputLines.add(String.format("%,.1f MB", ingest.path("input_bytes").asLong() / 1e6));
    }
    JsonNode fetched = null;
    ResourceId downloadManifest = Store.file(input, KaggleDownload.MANIFEST);
    if (Store.exists(downloadManifest)) {
      fetched = StageRunner.JSON.readTree(Store.read(downloadManifest));
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
          stage + " → " + StageRunner.directoryOf(stage) + "/",
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

  static List<String> parseStages(String text) {
    return parseStages(text, STAGES);
  }

  /** The stages named in {@code text} (comma-separated), checked against {@code known}. */
  static List<String> parseStages(String text, List<String> known) {
    List<String> stages = new ArrayList<>();
    for (String s : text.split(",")) {
      String t = s.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (!known.contains(t)) {
        throw new IllegalArgumentException(
            "--stages must name stages from " + known + ", but had '" + t + "'");
      }
      stages.add(t);
    }
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("--stages must name at least one of " + known);
    }
    return stages;
  }

  // ------------------------------------------------------------------ stage 0

  static StageRunner.Outcome download(MarketOptions options, ResourceId input, PrintStream log)
      throws Exception {
    if (!Store.isLocal(input)) {
      throw new IllegalArgumentException(
          "--download unpacks the archive into a local --input directory, but --input is "
              + input
              + ": download to a local directory, copy it to the bucket (gcloud storage cp -r),"
              + " then run ingest on it");
    }
    Path staging = Store.local(input);
    Path credentials =
        options.getKaggleCredentials() != null
            ? Path.of(options.getKaggleCredentials())
            : KaggleDownload.defaultCredentials();
    KaggleDownload d =
        new KaggleDownload(
            new KaggleDownload.Request(
                options.getDownload(),
                options.getKaggleApi(),
                credentials,
                options.getDownloadRetries(),
                java.time.Duration.ofMillis(options.getDownloadBackoffMs()),
                java.time.Duration.ofSeconds(options.getDownloadStallSeconds())),
            log);
    JsonNode manifest = d.run(staging);
    return new StageRunner.Outcome(d.skipped(), manifest);
  }

  // ------------------------------------------------------------------ stage 1

  static StageRunner.Outcome ingest(MarketOptions options, ResourceId input, StageRunner runner)
      throws Exception {
    ResourceId metadataFile = Store.file(input, METADATA_FILE);
    if (JobSpecs.specOnly(options)) {
      // A job spec is written offline: the job lists and reads --input when it runs.
      return runner.run(INGEST, List.of(), Map.of(), ingestBody(options, input, List.of(), runner));
    }
    MatchResult.Metadata metadata = Store.stat(metadataFile);
    if (metadata == null) {
      throw new IllegalArgumentException(
          "--input " + input + " is not in the Kaggle layout: " + METADATA_FILE + " is missing");
    }
    List<MatchResult.Metadata> priceFiles = new ArrayList<>();
    for (String dir : new String[] {"etfs", "stocks"}) {
      priceFiles.addAll(Store.list(Store.sub(input, dir), ".csv"));
    }
    if (priceFiles.isEmpty()) {
      throw new IllegalArgumentException(
          "--input " + input + " has no price files in etfs/*.csv or stocks/*.csv");
    }
    List<MatchResult.Metadata> inputs = new ArrayList<>(priceFiles);
    inputs.add(metadata);
    Map<String, String> stageOptions = Map.of("input", Store.str(input));
    return runner.run(INGEST, inputs, stageOptions, ingestBody(options, input, priceFiles, runner));
  }

  private static StageRunner.Body ingestBody(
      MarketOptions options,
      ResourceId input,
      List<MatchResult.Metadata> priceFiles,
      StageRunner runner) {
    ResourceId metadataFile = Store.file(input, METADATA_FILE);
    return (dataDir, rejectedDir) -> {
      Pipeline p = Pipeline.create(options);
      buildIngest(p, Store.str(input), Store.str(dataDir), Store.str(rejectedDir));
      MetricQueryResults metrics = runToCompletion(p, INGEST);
      writePipelineDot(p, dataDir);
      StageRunner.Counts c = new StageRunner.Counts();
      c.runner = options.getRunner().getSimpleName();
      c.rowsIn = counter(metrics, "ParseBarFiles", "rowsRead");
      c.rowsOut = parquetRows(dataDir);
      c.rowsRejected = countRejected(rejectedDir, c.rejectedByReason);
      for (String name :
          new String[] {
            "files",
            "rowsRead",
            "rowsKept",
            "rowsRejected",
            "openZero",
            "highBelowLow",
            "zeroVolume",
            "scientificNotation",
            "floatVolume"
          }) {
        c.counters.put(name, counter(metrics, "ParseBarFiles", name));
      }
      c.counters.put("unmatchedFiles", counter(metrics, "JoinSecurityNames", "unmatchedFiles"));
      c.counters.put("unmatchedRows", counter(metrics, "JoinSecurityNames", "unmatchedRows"));
      List<String> unmatched = unmatchedFiles(metadataFile, priceFiles);
      c.extra.put("unmatched_files", unmatched);
      c.extra.put("outputs", fileNames(dataDir, ".parquet"));
      if (!unmatched.isEmpty()) {
        runner
            .log()
            .printf(
                "[%s] %d price files have no metadata row (kept, Security Name null):" + " %s%n",
                INGEST,
                unmatched.size(),
                unmatched.size() > 10 ? unmatched.subList(0, 10) + "..." : unmatched);
      }
      if (c.counters.get("rowsKept") != c.rowsOut) {
        throw new IllegalStateException(
            "rows kept by the parser ("
                + c.counters.get("rowsKept")
                + ") differ from rows in the Parquet files ("
                + c.rowsOut
                + ")");
      }
      return c;
    };
  }

  /** Wires stage 1: Kaggle layout under {@code input} to Parquet in {@code dataDir}. */
  public static void buildIngest(Pipeline p, String input, String dataDir, String rejectedDir) {
    PCollection<SymbolMetadata> metadata =
        p.apply("ReadMetadata", ReadSymbolMetadata.from(input + "/" + METADATA_FILE));
    PCollectionTuple parsed =
        p.apply("PriceFilePatterns", Create.of(input + "/etfs/*.csv", input + "/stocks/*.csv"))
            .apply(
                "MatchPriceFiles",
                FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenPriceFiles", FileIO.readMatches())
            .apply("ParseBarFiles", ParseBarFiles.create());
    parsed
        .get(ParseBarFiles.SERIES)
        .apply("JoinSecurityNames", JoinSecurityNames.from(metadata))
        .apply("WriteRaw", WriteMarketParquet.raw(dataDir));
    parsed.get(ParseBarFiles.FAILURES).apply("WriteRejected", WriteFailures.to(rejectedDir));
  }

  // ------------------------------------------------------------------ stage 2

  static StageRunner.Outcome features(MarketOptions options, WindowSpec window, StageRunner runner)
      throws Exception {
    ResourceId rawDir = runner.dataDir(INGEST);
    if (!JobSpecs.specOnly(options) && !runner.published(INGEST)) {
      throw new IllegalStateException(
          "stage features needs the output of stage ingest in "
              + rawDir
              + ", which has no manifest: run --stages=ingest,features first");
    }
    List<MatchResult.Metadata> rawFiles =
        JobSpecs.specOnly(options) ? List.of() : Store.list(rawDir, ".parquet");
    Map<String, String> stageOptions = Map.of("window", window.toString());
    return runner.run(
        FEATURES,
        rawFiles,
        stageOptions,
        (dataDir, rejectedDir) -> {
          Pipeline p = Pipeline.create(options);
          buildFeatures(p, Store.str(rawDir), window, Store.str(dataDir), Store.str(rejectedDir));
          MetricQueryResults metrics = runToCompletion(p, FEATURES);
          writePipelineDot(p, dataDir);
          StageRunner.Counts c = new StageRunner.Counts();
          c.runner = options.getRunner().getSimpleName();
          c.rowsIn = parquetRows(rawDir);
          c.rowsOut = parquetRows(dataDir);
          c.rowsRejected = countRejected(rejectedDir, c.rejectedByReason);
          for (String name : new String[] {"symbols", "rows", "warmupRows", "duplicateDates"}) {
            c.counters.put(name, counter(metrics, "RollingFeatures", name));
          }
          c.extra.put("outputs", fileNames(dataDir, ".parquet"));
          return c;
        });
  }

  /** Wires stage 2: stage-1 Parquet in {@code rawDir} to feature Parquet in {@code dataDir}. */
  public static void buildFeatures(
      Pipeline p, String rawDir, WindowSpec window, String dataDir, String rejectedDir) {
    PCollectionTuple rolled =
        p.apply(
                "MatchRaw",
                FileIO.match()
                    .filepattern(rawDir + "/*.parquet")
                    .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenRaw", FileIO.readMatches())
            .apply("ReadRaw", ReadMarketParquet.create())
            .apply("RollingFeatures", RollingFeatures.of(window));
    rolled
        .get(RollingFeatures.FEATURES)
        .apply("WriteFeatures", WriteMarketParquet.features(dataDir));
    rolled.get(RollingFeatures.FAILURES).apply("WriteRejected", WriteFailures.to(rejectedDir));
  }

  // ------------------------------------------------------------------ stage 3

  static StageRunner.Outcome train(MarketOptions options, TrainConfig config, StageRunner runner)
      throws Exception {
    ResourceId featuresDir = runner.dataDir(FEATURES);
    if (!runner.published(FEATURES)) {
      throw new IllegalStateException(
          "stage train needs the output of stage features in "
              + featuresDir
              + ", which has no manifest: run --stages=ingest,features,train first");
    }
    List<MatchResult.Metadata> featureFiles = Store.list(featuresDir, ".parquet");
    return runner.run(
        TRAIN,
        featureFiles,
        config.toMap(),
        (dataDir, rejectedDir) -> {
          DjlEnvironment.configure(Strata.defaultDjlCache());
          // DJL writes to a local directory: the stage's own if it is local, else a temporary
          // one whose files are then copied to the object store.
          boolean local = Store.isLocal(dataDir);
          Path work = local ? Store.local(dataDir) : Files.createTempDirectory("strata-train-");
          TrainConfig here =
              TrainConfig.defaults(work, work.resolve(".spill"))
                  .withHidden(config.hidden())
                  .withEpochs(config.maxEpochs(), config.patience())
                  .withBatch(config.batchSize(), config.learningRate(), config.bucketRows())
                  .withSeed(config.seed())
                  .withForest(config.forestTrees(), config.sampleRows(), config.forestTestRows());
          TrainVolumeModel.Result r;
          long modelBytes;
          try {
            r =
                TrainVolumeModel.run(
                    here, new ParquetFeatureSource(Store.ids(featureFiles)), runner.log());
            modelBytes = Files.size(r.modelFile());
            if (!local) {
              try (Stream<Path> files = Files.list(work)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                  Store.upload(f, Store.file(dataDir, f.getFileName().toString()));
                }
              }
            }
          } finally {
            if (!local) {
              Store.deleteTree(work);
            }
          }
          StageRunner.Counts c = new StageRunner.Counts();
          c.runner = "DJL PyTorch";
          // Rows that cannot become an example are not errors: they are counted by reason here,
          // not written to _rejected/ (each is a symbol's first row or a window warm-up row).
          c.rowsIn = r.counts().rows;
          c.rowsOut = r.counts().examples;
          c.rowsRejected = r.counts().excluded();
          putIfPositive(c, "first_row_of_symbol", r.counts().firstRow);
          putIfPositive(c, "previous_day_features_null", r.counts().warmup);
          putIfPositive(c, "previous_day_features_not_finite", r.counts().nonFinite);
          putIfPositive(c, "dates_out_of_order", r.counts().outOfOrder);
          c.counters.put("epochs", (long) r.epochs().size());
          c.counters.put("bestEpoch", (long) r.bestEpoch());
          c.counters.put("trainRows", r.split().trainRows);
          c.counters.put("validationRows", r.split().validationRows);
          c.counters.put("testRows", r.split().testRows);
          c.extra.put("metrics", r.metrics());
          c.extra.put("model_bytes", modelBytes);
          return c;
        });
  }

  private static void putIfPositive(StageRunner.Counts c, String reason, long n) {
    if (n > 0) {
      c.rejectedByReason.put(reason, n);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Saves the Beam graph of a stage as Graphviz DOT next to its data. */
  static void writePipelineDot(Pipeline p, ResourceId dataDir) throws IOException {
    Store.write(
        Store.file(dataDir, PIPELINE_DOT),
        PipelineDotRenderer.toDotString(p).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Runs a stage's pipeline to its end and returns its metrics; in Dataflow spec mode ({@link
   * JobSpecs}) writes the stage's job spec instead and throws {@link JobSpecs.Written}.
   */
  static MetricQueryResults runToCompletion(Pipeline p, String stage) {
    // Each stage is its own job on a cluster or Dataflow: name it after the stage
    // (<job name>-<stage>, e.g. strata-root-1127040949-c42ad05d-ingest), then restore the name.
    String jobName = p.getOptions().getJobName();
    p.getOptions().setJobName(jobName + "-" + stage);
    try {
      JobSpecs.writeIfAsked(p, stage);
      PipelineResult result = p.run();
      PipelineResult.State state = result.waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("pipeline ended in state " + state);
      }
      return result.metrics().queryMetrics(MetricsFilter.builder().build());
    } finally {
      p.getOptions().setJobName(jobName);
    }
  }

  static long counter(MetricQueryResults metrics, String namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> c : metrics.getCounters()) {
      if (c.getName().getNamespace().endsWith(namespace) && c.getName().getName().equals(name)) {
        sum += c.getAttempted();
      }
    }
    return sum;
  }

  /** The names of the files directly in {@code dir} ending with {@code suffix}, sorted. */
  static List<String> fileNames(ResourceId dir, String suffix) throws IOException {
    return Store.list(dir, suffix).stream().map(md -> md.resourceId().getFilename()).toList();
  }

  /** Rows in the Parquet files of a directory, from their footers. */
  static long parquetRows(ResourceId dir) throws IOException {
    return parquetRows(Store.list(dir, ".parquet"));
  }

  static long parquetRows(List<MatchResult.Metadata> files) throws IOException {
    long rows = 0;
    for (MatchResult.Metadata f : files) {
      try (SeekableByteChannel ch = Store.openSeekable(f.resourceId());
          ParquetFileReader r = ParquetFileReader.open(ParquetChannels.input(ch))) {
        rows += r.getRecordCount();
      }
    }
    return rows;
  }

  /** Counts the JSON-lines rejects of a directory, by reason. */
  static long countRejected(ResourceId dir, Map<String, Long> byReason) throws IOException {
    long n = 0;
    for (MatchResult.Metadata f : Store.list(dir, ".jsonl")) {
      try (BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(Store.open(f.resourceId()), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.isBlank()) {
            continue;
          }
          n++;
          String reason = StageRunner.JSON.readTree(line).path("reason").asText("unknown");
          byReason.merge(reason, 1L, Long::sum);
        }
      }
    }
    return n;
  }

  static List<String> unmatchedFiles(ResourceId metadata, List<MatchResult.Metadata> priceFiles)
      throws IOException {
    Set<String> known = new HashSet<>();
    for (SymbolMetadata m :
        SymbolMetadata.parseCsv(new String(Store.read(metadata), StandardCharsets.UTF_8))) {
      known.add(m.nasdaqSymbol());
    }
    List<String> unmatched = new ArrayList<>();
    for (MatchResult.Metadata md : priceFiles) {
      ResourceId f = md.resourceId();
      if (!known.contains(ParseBarFiles.symbolOfFile(f.getFilename()))) {
        unmatched.add(f.getCurrentDirectory().getFilename() + "/" + f.getFilename());
      }
    }
    return unmatched;
  }
}
