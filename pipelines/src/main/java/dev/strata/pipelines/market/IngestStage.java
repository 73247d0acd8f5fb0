package dev.strata.pipelines.market;

import static dev.strata.pipelines.market.MarketJob.INGEST;

import dev.strata.pipelines.launcher.BeamStage;
import dev.strata.pipelines.launcher.JobSpecs;
import dev.strata.pipelines.launcher.Outputs;
import dev.strata.pipelines.launcher.StageCounts;
import dev.strata.pipelines.launcher.StageRunner;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WriteFailures;
import dev.strata.transforms.market.BarFileParser;
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
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Stage {@code ingest} of the market job: the Kaggle layout under {@code --input} (bar files in
 * {@code etfs/} and {@code stocks/}, {@code symbols_valid_meta.csv}) to Parquet in {@code raw/},
 * rejected rows to {@code _rejected/ingest/}. Its inputs are every bar file and the metadata file.
 */
final class IngestStage {
  static final String METADATA_FILE = "symbols_valid_meta.csv";
  static final List<String> BAR_FOLDERS = List.of("etfs", "stocks");

  private IngestStage() {}

  static StageRunner.Outcome run(MarketOptions options, ResourceId input, StageRunner runner)
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
    return runner.run(INGEST, inputs, stageOptions, body(options, input, barFiles, known, runner));
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
    parsed
        .get(ParseBarFiles.BARS)
        .apply("JoinSecurityNames", JoinSecurityNames.from(metadata))
        .apply("WriteRaw", WriteMarketParquet.raw(dataDir));
    parsed.get(ParseBarFiles.FAILURES).apply("WriteRejected", WriteFailures.to(rejectedDir));
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
