package dev.strata.pipelines.market;

import static dev.strata.pipelines.market.MarketJob.INGEST;

import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.JobSpecs;
import dev.strata.pipelines.launcher.Outputs;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.market.BarAppend;
import dev.strata.transforms.market.BarFileParser;
import dev.strata.transforms.market.BarSeries;
import dev.strata.transforms.market.BarSeriesCoder;
import dev.strata.transforms.market.JoinSecurityNames;
import dev.strata.transforms.market.ParseBarFiles;
import dev.strata.transforms.market.ReadSymbolMetadata;
import dev.strata.transforms.market.SymbolMetadata;
import dev.strata.transforms.market.WriteMarketParquet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Stage {@code ingest} of the market job: the Kaggle layout under {@code --input} (bar files in
 * {@code etfs/} and {@code stocks/}, {@code symbols_valid_meta.csv}) to Parquet in {@code raw/},
 * rejected rows to {@code _rejected/ingest/}. Its inputs are every bar file and the metadata file.
 */
final class IngestStage {
  static final String METADATA_FILE = "symbols_valid_meta.csv";
  static final List<String> BAR_FOLDERS = List.of("etfs", "stocks");

  private IngestStage() {}

  /**
   * The stage; an increment also computes, in the same job, the features increment {@code ahead}
   * stands for when it can ({@link FeaturesAhead}; null: features does not run after it).
   */
  static StageRunner.Outcome run(
      MarketOptions options, ResourceId input, StageRunner runner, FeaturesAhead ahead)
      throws Exception {
    if (JobSpecs.specOnly(options)) {
      // A job spec is written offline: the job lists and reads --input when it runs.
      return runner.run(
          INGEST, List.of(), Map.of(), body(options, input, List.of(), Set.of(), runner));
    }
    Store.requireLocalDirectory(
        "--input",
        options.getInput(),
        input,
        "give the directory of the Kaggle layout (symbols_valid_meta.csv, etfs/, stocks/)");
    MatchResult.Metadata metadata = Store.stat(Store.file(input, METADATA_FILE));
    if (metadata == null) {
      throw new IllegalArgumentException(
          "--input " + input + " is not in the Kaggle layout: " + METADATA_FILE + " is missing");
    }
    Set<String> known = knownFileNames(metadata.resourceId());
    List<MatchResult.Metadata> barFiles = new ArrayList<>();
    for (String dir : BAR_FOLDERS) {
      barFiles.addAll(Store.list(Store.sub(input, dir), ".csv"));
    }
    if (barFiles.isEmpty()) {
      throw new IllegalArgumentException(
          "--input " + input + " has no bar files in etfs/*.csv or stocks/*.csv");
    }
    List<MatchResult.Metadata> inputs = new ArrayList<>(barFiles);
    inputs.add(metadata);
    Map<String, String> stageOptions = Map.of("input", Store.str(input));
    if (runner.unchanged(INGEST, inputs, stageOptions)) {
      return runner.run(
          INGEST, inputs, stageOptions, body(options, input, barFiles, known, runner));
    }
    IngestPlan plan =
        IngestPlan.of(
            runner.forced() ? null : runner.lastManifest(INGEST),
            barFiles,
            metadata,
            identities(new String(Store.read(metadata.resourceId()), StandardCharsets.UTF_8)),
            runner.dataDir(INGEST));
    if (plan.incremental()) {
      runner
          .log()
          .printf(
              "[%s] incremental: %d files grown, %d new, %d unchanged%s%n",
              INGEST,
              plan.grown().size(),
              plan.added(),
              plan.unchanged(),
              plan.recompute().isEmpty()
                  ? ""
                  : String.format(
                      "; %d symbols recomputed from all their rows %s, %d part files rewritten"
                          + " without them",
                      plan.recompute().size(),
                      plan.recompute().size() > 10
                          ? List.copyOf(plan.recompute()).subList(0, 10) + "..."
                          : plan.recompute(),
                      plan.rewrite().affected().size()));
      try {
        return runner.increment(
            INGEST,
            inputs,
            plan.details(),
            stageOptions,
            increment(options, input, plan, runner, ahead));
      } catch (StageRunner.Fallback f) {
        plan = plan.full(f.getMessage());
      }
    }
    runner.log().printf("[%s] full run: %s%n", INGEST, plan.reason());
    Map<String, com.fasterxml.jackson.databind.node.ObjectNode> details = plan.details();
    StageRunner.Body full = body(options, input, barFiles, known, runner);
    IngestPlan fullPlan = plan;
    return runner.run(
        INGEST,
        inputs,
        details,
        stageOptions,
        (dataDir, rejectedDir) -> {
          StageCounts c = full.run(dataDir, rejectedDir);
          recordLastDays(dataDir, details, barFiles);
          return c.extra("run", fullPlan.describe())
              .extra("rows_total", Map.of("out", c.rowsOut()))
              .extra("state", List.of(copyMetadata(input, dataDir)));
        });
  }

  /** The name the metadata's copy in raw's state starts with. */
  static final String METADATA_COPY = "metadata-";

  /**
   * Keeps a copy of the metadata file this run read in raw's state ({@code
   * _state/metadata-<id>.csv}), so the next run can tell which symbols' rows it changes.
   */
  static String copyMetadata(ResourceId input, ResourceId dataDir) throws IOException {
    String name = METADATA_COPY + java.util.UUID.randomUUID().toString().substring(0, 8) + ".csv";
    Store.write(
        Store.file(Store.sub(dataDir, StageRunner.STATE), name),
        Store.read(Store.file(input, METADATA_FILE)));
    return StageRunner.STATE + "/" + name;
  }

  /**
   * The metadata's {@code NASDAQ Symbol} → {@code Symbol} and {@code Security Name} (joined by a
   * tab): how bar files become symbols, and what a symbol's rows carry. A file's rows change when
   * its identity does.
   */
  static Map<String, String> identities(String metadataCsv) {
    Map<String, String> out = new java.util.HashMap<>();
    for (SymbolMetadata m : SymbolMetadata.parseCsv(metadataCsv)) {
      out.putIfAbsent(
          m.nasdaqSymbol(), m.symbol() + "\t" + (m.securityName() == null ? "" : m.securityName()));
    }
    return out;
  }

  /** The folder of the pipeline's (file, last date) lines, read into the manifest, then removed. */
  static final String LAST_DAYS = "_last_days";

  /**
   * Puts each bar file's last date in {@code raw/} into its manifest entry, from the lines the
   * pipeline wrote under {@link #LAST_DAYS} (a file without kept rows has none). A file that
   * changed while it was read loses its checksum, so the next run reads it whole again.
   */
  static void recordLastDays(
      ResourceId dataDir,
      Map<String, com.fasterxml.jackson.databind.node.ObjectNode> details,
      List<MatchResult.Metadata> barFiles)
      throws IOException {
    ResourceId dir = Store.sub(dataDir, LAST_DAYS);
    for (MatchResult.Metadata f : Store.list(dir, ".txt")) {
      for (String line :
          new String(Store.read(f.resourceId()), StandardCharsets.UTF_8).split("\n")) {
        int tab = line.lastIndexOf('\t');
        if (tab < 0) {
          continue;
        }
        com.fasterxml.jackson.databind.node.ObjectNode d = details.get(line.substring(0, tab));
        if (d != null) {
          d.put("last_day", Integer.parseInt(line.substring(tab + 1)));
        }
      }
    }
    Store.deleteTree(dir);
    for (MatchResult.Metadata f : barFiles) {
      MatchResult.Metadata now = Store.stat(f.resourceId());
      if (now == null
          || now.sizeBytes() != f.sizeBytes()
          || now.lastModifiedMillis() != f.lastModifiedMillis()) {
        details.remove(f.resourceId().toString());
      }
    }
  }

  /**
   * The increment: only the rows appended to grown files ({@link ParseBarFiles#appended}) and the
   * new files whole, joined with the metadata and written as new part files {@code inc-<id>-*}; the
   * manifest's outputs are the published ones plus these.
   */
  private static StageRunner.Body increment(
      MarketOptions options,
      ResourceId input,
      IngestPlan plan,
      StageRunner runner,
      FeaturesAhead ahead) {
    return (dataDir, rejectedDir) -> {
      String metadataCopy = copyMetadata(input, dataDir);
      PartRewrite rewrite = plan.rewrite();
      if (plan.grown().isEmpty() && plan.whole().isEmpty() && rewrite.affected().isEmpty()) {
        // files only touched, or an unfinished last line: the same rows, a new record of them
        return new StageCounts()
            .runner("none")
            .extra("outputs", plan.previousOutputs())
            .extra("run", plan.describe())
            .extra("state", List.of(metadataCopy))
            .extra("rows_total", Map.of("out", plan.previousRows()));
      }
      String tag = "inc-" + java.util.UUID.randomUUID().toString().substring(0, 8);
      Pipeline p = Pipeline.create(options);
      PCollection<SymbolMetadata> metadata =
          p.apply("ReadMetadata", ReadSymbolMetadata.from(Store.str(input) + "/" + METADATA_FILE));
      // only the branches this increment needs: each is more Flink stages to schedule
      PCollectionList<BarSeries> bars = PCollectionList.empty(p);
      PCollectionList<dev.strata.transforms.common.Failure> failures = PCollectionList.empty(p);
      if (!plan.grown().isEmpty()) {
        PCollectionTuple appended =
            p.apply("Appends", Create.of(plan.grown()).withCoder(BarAppend.Coder.of()))
                .apply("ParseAppendedRows", ParseBarFiles.appended());
        bars = bars.and(appended.get(ParseBarFiles.BARS));
        failures = failures.and(appended.get(ParseBarFiles.FAILURES));
      }
      if (!plan.whole().isEmpty()) {
        List<String> paths = new ArrayList<>();
        plan.whole().forEach(m -> paths.add(m.resourceId().toString()));
        // matched again, as a full run does: a file gone since the plan is skipped (and loses its
        // record, so the next run is a full one)
        PCollectionTuple whole =
            p.apply("NewFiles", Create.of(paths).withCoder(StringUtf8Coder.of()))
                .apply(
                    "MatchNewFiles",
                    FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
                .apply("OpenNewFiles", FileIO.readMatches())
                .apply("ParseBarFiles", ParseBarFiles.create());
        bars = bars.and(whole.get(ParseBarFiles.BARS));
        failures = failures.and(whole.get(ParseBarFiles.FAILURES));
      }
      // the parts that hold a recomputed symbol, again without its rows (already joined)
      rewrite.apply(p, dataDir, tag.substring(4));
      PCollection<BarSeries> joined =
          finish(
              p,
              bars.apply("AllBars", Flatten.pCollections()).setCoder(BarSeriesCoder.of()),
              failures
                  .apply("AllFailures", Flatten.pCollections())
                  .setCoder(dev.strata.transforms.common.Failure.FailureCoder.of()),
              metadata,
              Store.str(dataDir),
              Store.str(rejectedDir),
              tag);
      // the features increment on the joined rows, in this job, if features is current with raw
      boolean fused = ahead != null && ahead.possible();
      if (fused) {
        ahead.build(joined, plan.recompute(), tag.substring(4));
      }
      BeamStage stage = BeamStage.run(p, INGEST, dataDir);
      if (stage.counter(ParseBarFiles.class, ParseBarFiles.APPENDS_NOT_ADDABLE) > 0) {
        if (fused) {
          ahead.discard();
        }
        throw new StageRunner.Fallback(
            stage.counter(ParseBarFiles.class, ParseBarFiles.APPENDS_NOT_ADDABLE)
                + " grown files have appended rows that are not all after their last date");
      }
      StageCounts c = stage.counts();
      PartRewrite.Counts rewritten = rewrite.count(dataDir);
      c.rowsIn(stage.counter(ParseBarFiles.class, ParseBarFiles.ROWS_READ) + rewritten.reread())
          .rowsOut(Outputs.parquetRows(dataDir))
          .rowsRejected(Outputs.countRejected(rejectedDir, c.rejectedByReason()))
          .rowsDropped(rewritten.dropped());
      record(stage, c);
      List<MatchResult.Metadata> changed = new ArrayList<>(plan.whole());
      changed.addAll(plan.grownFiles());
      recordLastDays(dataDir, plan.details(), changed);
      List<String> newFiles = Outputs.fileNames(dataDir, ".parquet");
      if (fused) {
        ahead.ran(stage, newFiles);
      }
      Map<String, Object> run = plan.describe();
      run.put("added", newFiles);
      return c.extra("outputs", rewrite.outputs(plan.previousOutputs(), newFiles))
          .extra("run", run)
          .extra("state", List.of(metadataCopy))
          .extra(
              "rows_total", Map.of("out", plan.previousRows() - rewritten.reread() + c.rowsOut()));
    };
  }

  /** The counters every ingest run records. */
  private static void record(BeamStage stage, StageCounts c) {
    stage.record(
        c,
        ParseBarFiles.class,
        ParseBarFiles.FILES,
        ParseBarFiles.ROWS_READ,
        ParseBarFiles.ROWS_KEPT,
        ParseBarFiles.ROWS_REJECTED,
        ParseBarFiles.OPEN_ZERO,
        ParseBarFiles.HIGH_BELOW_LOW,
        ParseBarFiles.ZERO_VOLUME,
        ParseBarFiles.SCIENTIFIC_NOTATION,
        ParseBarFiles.FLOAT_VOLUME,
        ParseBarFiles.NEGATIVE_PRICE,
        ParseBarFiles.EMPTY_FILES,
        ParseBarFiles.BAD_HEADER_FILES);
    stage.record(
        c,
        JoinSecurityNames.class,
        JoinSecurityNames.UNMATCHED_FILES,
        JoinSecurityNames.UNMATCHED_ROWS);
  }

  /**
   * The {@code NASDAQ Symbol}s of the metadata file, which name the bar files.
   *
   * @throws IllegalArgumentException if the file is empty or lacks a needed column
   */
  static Set<String> knownFileNames(ResourceId metadata) throws IOException {
    List<SymbolMetadata> rows;
    try {
      rows = SymbolMetadata.parseCsv(new String(Store.read(metadata), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--input: " + Store.str(metadata) + " is not usable: " + e.getMessage(), e);
    }
    Set<String> known = new HashSet<>();
    for (SymbolMetadata m : rows) {
      known.add(m.nasdaqSymbol());
    }
    return known;
  }

  private static StageRunner.Body body(
      MarketOptions options,
      ResourceId input,
      List<MatchResult.Metadata> barFiles,
      Set<String> known,
      StageRunner runner) {
    return (dataDir, rejectedDir) -> {
      Pipeline p = Pipeline.create(options);
      build(p, Store.str(input), Store.str(dataDir), Store.str(rejectedDir));
      BeamStage stage = BeamStage.run(p, INGEST, dataDir);
      StageCounts c = stage.counts();
      c.rowsIn(stage.counter(ParseBarFiles.class, ParseBarFiles.ROWS_READ))
          .rowsOut(Outputs.parquetRows(dataDir))
          .rowsRejected(Outputs.countRejected(rejectedDir, c.rejectedByReason()));
      record(stage, c);
      List<String> unmatched = unmatchedFiles(known, barFiles);
      List<String> empty =
          c.counter(ParseBarFiles.EMPTY_FILES) == 0 ? List.of() : filesWithoutData(barFiles);
      c.extra("unmatched_files", unmatched)
          .extra("empty_files", empty)
          .extra("outputs", Outputs.fileNames(dataDir, ".parquet"));
      if (c.counter(ParseBarFiles.EMPTY_FILES) > 0
          || c.counter(ParseBarFiles.BAD_HEADER_FILES) > 0) {
        runner
            .log()
            .printf(
                "[%s] warning: %d bar files have no data row (zero bytes, blank or a header only)"
                    + " and %d a header without the needed columns (their rows are rejected as"
                    + " missing_column); counted as emptyFiles, badHeaderFiles: %s%n",
                INGEST,
                c.counter(ParseBarFiles.EMPTY_FILES),
                c.counter(ParseBarFiles.BAD_HEADER_FILES),
                empty.size() > 10 ? empty.subList(0, 10) + "..." : empty);
      }
      if (!unmatched.isEmpty()) {
        runner
            .log()
            .printf(
                "[%s] %d bar files have no metadata row (kept, Security Name null): %s%n",
                INGEST,
                unmatched.size(),
                unmatched.size() > 10 ? unmatched.subList(0, 10) + "..." : unmatched);
      }
      if (c.counter(ParseBarFiles.ROWS_KEPT) != c.rowsOut()) {
        throw new IllegalStateException(
            "rows kept by the parser ("
                + c.counter(ParseBarFiles.ROWS_KEPT)
                + ") differ from rows in the Parquet files ("
                + c.rowsOut()
                + ")");
      }
      return c;
    };
  }

  /** Wires stage ingest: Kaggle layout under {@code input} to Parquet in {@code dataDir}. */
  public static void build(Pipeline p, String input, String dataDir, String rejectedDir) {
    PCollection<SymbolMetadata> metadata =
        p.apply("ReadMetadata", ReadSymbolMetadata.from(input + "/" + METADATA_FILE));
    PCollectionTuple parsed =
        p.apply("BarFilePatterns", Create.of(input + "/etfs/*.csv", input + "/stocks/*.csv"))
            .apply(
                "MatchBarFiles",
                FileIO.matchAll().withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
            .apply("OpenBarFiles", FileIO.readMatches())
            .apply("ParseBarFiles", ParseBarFiles.create());
    finish(
        p,
        parsed.get(ParseBarFiles.BARS),
        parsed.get(ParseBarFiles.FAILURES),
        metadata,
        dataDir,
        rejectedDir,
        "part");
  }

  /**
   * The end both runs share: the bars joined with the metadata to {@code <prefix>-*.parquet} in
   * {@code dataDir}, each file's last kept date to {@link #LAST_DAYS}, rejects to {@code
   * rejectedDir}; returns the joined bars (what raw gets).
   */
  private static PCollection<BarSeries> finish(
      Pipeline p,
      PCollection<BarSeries> bars,
      PCollection<dev.strata.transforms.common.Failure> failures,
      PCollection<SymbolMetadata> metadata,
      String dataDir,
      String rejectedDir,
      String prefix) {
    PCollection<BarSeries> joined =
        bars.apply("JoinSecurityNames", JoinSecurityNames.from(metadata));
    joined.apply("WriteRaw", WriteMarketParquet.raw(dataDir).withPrefix(prefix));
    bars.apply(
            "LastDays",
            MapElements.into(TypeDescriptors.strings())
                .via((BarSeries s) -> s.source() + "\t" + s.epochDay(s.size() - 1)))
        .apply(
            "WriteLastDays",
            TextIO.write().to(dataDir + "/" + LAST_DAYS + "/part").withSuffix(".txt"));
    failures.apply("WriteRejected", WriteFailures.to(rejectedDir));
    return joined;
  }

  /** The largest bar file {@link #filesWithoutData} reads to name it: no-data files are tiny. */
  static final long NO_DATA_NAMING_LIMIT = 64 * 1024;

  /**
   * The bar files without a data row, as {@code folder/name (why)}: read again only when the parse
   * counted some, and only those up to {@link #NO_DATA_NAMING_LIMIT} bytes.
   */
  static List<String> filesWithoutData(List<MatchResult.Metadata> barFiles) throws IOException {
    List<String> empty = new ArrayList<>();
    for (MatchResult.Metadata md : barFiles) {
      if (md.sizeBytes() > NO_DATA_NAMING_LIMIT) {
        continue;
      }
      ResourceId f = md.resourceId();
      BarFileParser.Result r =
          BarFileParser.parse(f.toString(), Store.read(f), f.getFilename(), null);
      if (r.rowsRead == 0) {
        String why =
            md.sizeBytes() == 0
                ? "zero bytes"
                : !r.hasHeader
                    ? "blank"
                    : r.headerProblem != null ? r.headerProblem : "a header only";
        empty.add(
            f.getCurrentDirectory().getFilename()
                + "/"
                + f.getFilename()
                + " ("
                + (why.length() > 120 ? why.substring(0, 120) + "..." : why)
                    .replaceAll("\\p{Cntrl}", "?")
                + ")");
      }
    }
    return empty;
  }

  /** The bar files whose symbol has no row in the metadata file, as {@code folder/name}. */
  static List<String> unmatchedFiles(Set<String> known, List<MatchResult.Metadata> barFiles) {
    List<String> unmatched = new ArrayList<>();
    for (MatchResult.Metadata md : barFiles) {
      ResourceId f = md.resourceId();
      if (!known.contains(ParseBarFiles.symbolOfFile(f.getFilename()))) {
        unmatched.add(f.getCurrentDirectory().getFilename() + "/" + f.getFilename());
      }
    }
    return unmatched;
  }
}
