package dev.strata.pipelines;

import dev.strata.pipelines.options.MarketOptions;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.market.JoinSecurityNames;
import dev.strata.transforms.market.ParseBarFiles;
import dev.strata.transforms.market.ReadMarketParquet;
import dev.strata.transforms.market.ReadSymbolMetadata;
import dev.strata.transforms.market.RollingFeatures;
import dev.strata.transforms.market.SymbolMetadata;
import dev.strata.transforms.market.WindowSpec;
import dev.strata.transforms.market.WriteMarketParquet;
import java.io.IOException;
import java.io.PrintStream;
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
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * The market job, stages 1 and 2.
 *
 * <pre>
 * symbols_valid_meta.csv ─┐
 * etfs/*.csv, stocks/*.csv ─ ParseBarFiles ─ JoinSecurityNames ─▶ raw/       (stage "ingest")
 *                                  └─▶ _rejected/ingest/
 * raw/*.parquet ─ ReadMarketParquet ─ RollingFeatures ─▶ features/             (stage "features")
 *                                          └─▶ _rejected/features/
 * </pre>
 *
 * <p>Options: {@link MarketOptions}. Each stage is run by {@link StageRunner}: skipped when its
 * inputs and options are unchanged, written atomically, with a {@code _manifest.json} holding the
 * inputs, options, runner, timings and row accounting (rows in = rows out + rows rejected, checked
 * against the files actually written). Rejected rows are JSON lines with file, line, reason and the
 * original text. The same graph runs on the DirectRunner, embedded Flink and other Beam runners;
 * the stage orchestration itself expects a local (or mounted) output directory.
 */
public final class MarketPipeline {
  public static final String INGEST = "ingest";
  public static final String FEATURES = "features";
  public static final List<String> STAGES = List.of(INGEST, FEATURES);
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
    Path input = Path.of(options.getInput());
    Path output = Path.of(options.getOutput());
    List<String> stages = parseStages(options.getStages());
    WindowSpec window = WindowSpec.parse(options.getWindow());
    StageRunner runner = new StageRunner(output, options.getForce(), log);
    Map<String, StageRunner.Outcome> outcomes = new LinkedHashMap<>();
    if (stages.contains(INGEST)) {
      outcomes.put(INGEST, ingest(options, input, runner));
    }
    if (stages.contains(FEATURES)) {
      outcomes.put(FEATURES, features(options, window, runner));
    }
    return outcomes;
  }

  static List<String> parseStages(String text) {
    List<String> stages = new ArrayList<>();
    for (String s : text.split(",")) {
      String t = s.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (!STAGES.contains(t)) {
        throw new IllegalArgumentException(
            "--stages must name stages from " + STAGES + ", but had '" + t + "'");
      }
      stages.add(t);
    }
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("--stages must name at least one of " + STAGES);
    }
    return stages;
  }

  // ------------------------------------------------------------------ stage 1

  static StageRunner.Outcome ingest(MarketOptions options, Path input, StageRunner runner)
      throws Exception {
    Path metadata = input.resolve(METADATA_FILE);
    if (!Files.isRegularFile(metadata)) {
      throw new IllegalArgumentException(
          "--input " + input + " is not in the Kaggle layout: " + METADATA_FILE + " is missing");
    }
    List<Path> priceFiles = new ArrayList<>();
    for (String dir : new String[] {"etfs", "stocks"}) {
      priceFiles.addAll(list(input.resolve(dir), ".csv"));
    }
    if (priceFiles.isEmpty()) {
      throw new IllegalArgumentException(
          "--input " + input + " has no price files in etfs/*.csv or stocks/*.csv");
    }
    List<Path> inputs = new ArrayList<>(priceFiles);
    inputs.add(metadata);
    Map<String, String> stageOptions = Map.of("input", input.toAbsolutePath().toString());

    return runner.run(
        INGEST,
        inputs,
        stageOptions,
        (dataDir, rejectedDir) -> {
          Pipeline p = Pipeline.create(options);
          buildIngest(
              p, input.toAbsolutePath().toString(), dataDir.toString(), rejectedDir.toString());
          MetricQueryResults metrics = runToCompletion(p);
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
          List<String> unmatched = unmatchedFiles(metadata, priceFiles);
          c.extra.put("unmatched_files", unmatched);
          c.extra.put("outputs", list(dataDir, ".parquet").stream().map(Path::toString).toList());
          if (!unmatched.isEmpty()) {
            runner
                .log()
                .printf(
                    "[%s] %d price files have no metadata row (kept, Security Name null):"
                        + " %s%n",
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
        });
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
    Path rawDir = runner.dataDir(INGEST);
    if (!Files.isRegularFile(rawDir.resolve(StageRunner.MANIFEST))) {
      throw new IllegalStateException(
          "stage features needs the output of stage ingest in "
              + rawDir
              + ", which has no manifest: run --stages=ingest,features first");
    }
    List<Path> rawFiles = list(rawDir, ".parquet");
    Map<String, String> stageOptions = Map.of("window", window.toString());
    return runner.run(
        FEATURES,
        rawFiles,
        stageOptions,
        (dataDir, rejectedDir) -> {
          Pipeline p = Pipeline.create(options);
          buildFeatures(
              p,
              rawDir.toAbsolutePath().toString(),
              window,
              dataDir.toString(),
              rejectedDir.toString());
          MetricQueryResults metrics = runToCompletion(p);
          StageRunner.Counts c = new StageRunner.Counts();
          c.runner = options.getRunner().getSimpleName();
          c.rowsIn = parquetRows(rawDir);
          c.rowsOut = parquetRows(dataDir);
          c.rowsRejected = countRejected(rejectedDir, c.rejectedByReason);
          for (String name : new String[] {"symbols", "rows", "warmupRows", "duplicateDates"}) {
            c.counters.put(name, counter(metrics, "RollingFeatures", name));
          }
          c.extra.put("outputs", list(dataDir, ".parquet").stream().map(Path::toString).toList());
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

  // ------------------------------------------------------------------ helpers

  static MetricQueryResults runToCompletion(Pipeline p) {
    PipelineResult result = p.run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("pipeline ended in state " + state);
    }
    return result.metrics().queryMetrics(MetricsFilter.builder().build());
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

  static List<Path> list(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().endsWith(suffix) && Files.isRegularFile(f))
          .sorted()
          .toList();
    }
  }

  /** Rows in the Parquet files of a directory, from their footers. */
  static long parquetRows(Path dir) throws IOException {
    long rows = 0;
    for (Path f : list(dir, ".parquet")) {
      try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(f))) {
        rows += r.getRecordCount();
      }
    }
    return rows;
  }

  /** Counts the JSON-lines rejects of a directory, by reason. */
  static long countRejected(Path dir, Map<String, Long> byReason) throws IOException {
    long n = 0;
    for (Path f : list(dir, ".jsonl")) {
      try (Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
        for (String line : (Iterable<String>) lines::iterator) {
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

  static List<String> unmatchedFiles(Path metadata, List<Path> priceFiles) throws IOException {
    Set<String> known = new HashSet<>();
    for (SymbolMetadata m :
        SymbolMetadata.parseCsv(Files.readString(metadata, StandardCharsets.UTF_8))) {
      known.add(m.nasdaqSymbol());
    }
    List<String> unmatched = new ArrayList<>();
    for (Path f : priceFiles) {
      if (!known.contains(ParseBarFiles.symbolOfFile(f.getFileName().toString()))) {
        unmatched.add(f.getParent().getFileName() + "/" + f.getFileName());
      }
    }
    return unmatched;
  }
}
