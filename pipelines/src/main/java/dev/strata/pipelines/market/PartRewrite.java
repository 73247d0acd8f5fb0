package dev.strata.pipelines.market;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.Outputs;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.market.BarSeries;
import dev.strata.transforms.market.MarketParquet;
import dev.strata.transforms.market.ReadMarketParquet;
import dev.strata.transforms.market.WriteMarketParquet;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.values.PCollection;

/**
 * How an increment of {@code raw/} or {@code features/} drops the rows of symbols it recomputes:
 * the published part files that hold any of them ({@link #affected}, found from the dictionary
 * pages of their {@code Symbol} column, no rows read) are written again without them as {@code
 * rw-<id>-*} ({@link #apply}), and the manifest then lists those instead. What it read, kept and
 * dropped is counted after the pipeline ({@link Counts}). Both stages do the same; they differ only
 * in the columns they read and write.
 */
final class PartRewrite {
  private final List<String> parts;
  private final List<MatchResult.Metadata> files; // the parts, as they were when found
  private final SortedSet<String> symbols;
  private final boolean features;

  private PartRewrite(
      List<String> parts,
      List<MatchResult.Metadata> files,
      SortedSet<String> symbols,
      boolean features) {
    this.parts = parts;
    this.files = files;
    this.symbols = symbols;
    this.features = features;
  }

  /**
   * The parts among {@code outputs} (names in {@code published}) that hold a row of {@code
   * symbols}; none are read when there are no symbols. {@code features}: stage-2 files.
   */
  static PartRewrite of(
      ResourceId published, List<String> outputs, SortedSet<String> symbols, boolean features)
      throws IOException {
    List<String> parts = new ArrayList<>();
    if (!symbols.isEmpty()) {
      for (String name : outputs) {
        ResourceId part = Store.file(published, name);
        try (SeekableByteChannel ch = Store.openSeekable(part)) {
          SortedSet<String> in = MarketParquet.symbols(ch, part.toString());
          in.retainAll(symbols);
          if (!in.isEmpty()) {
            parts.add(name);
          }
        }
      }
    }
    return new PartRewrite(parts, listed(published, parts), new TreeSet<>(symbols), features);
  }

  /** The names of the published parts rewritten without the symbols. */
  List<String> affected() {
    return parts;
  }

  /**
   * Adds to {@code p} the rewrite of the affected parts without the symbols' rows, to {@code
   * rw-<tag>-*.parquet} in {@code dataDir}; nothing when no part is affected.
   */
  void apply(Pipeline p, ResourceId dataDir, String tag) {
    if (parts.isEmpty()) {
      return;
    }
    SortedSet<String> drop = symbols;
    known(p, "Rewritten", files)
        .apply(
            "ReadRewritten",
            features ? ReadMarketParquet.withFeatures() : ReadMarketParquet.create())
        .apply("WithoutRecomputed", Filter.by((BarSeries s) -> !drop.contains(s.symbol())))
        .apply(
            "WriteRewritten",
            (features
                    ? WriteMarketParquet.features(Store.str(dataDir))
                    : WriteMarketParquet.raw(Store.str(dataDir)))
                .withPrefix("rw-" + tag));
  }

  /** The rows the rewrite read and kept, from the files after the pipeline. */
  record Counts(long reread, long kept) {
    long dropped() {
      return reread - kept;
    }
  }

  /** What the rewrite read (the affected parts) and kept (the {@code rw-*} files in dataDir). */
  Counts count(ResourceId dataDir) throws IOException {
    List<MatchResult.Metadata> rewritten = new ArrayList<>();
    for (MatchResult.Metadata m : Store.list(dataDir, ".parquet")) {
      if (m.resourceId().getFilename().startsWith("rw-")) {
        rewritten.add(m);
      }
    }
    return new Counts(Outputs.parquetRows(files), Outputs.parquetRows(rewritten));
  }

  /** {@code outputs} of the last version without the affected parts, plus {@code added}. */
  List<String> outputs(List<String> outputs, List<String> added) {
    List<String> out = new ArrayList<>(outputs);
    out.removeAll(parts);
    out.addAll(added);
    return out;
  }

  /**
   * The files {@code names} of a manifest in its published folder {@code published}.
   *
   * @throws IOException if one is missing (the version is not whole)
   */
  static List<MatchResult.Metadata> listed(ResourceId published, List<String> names)
      throws IOException {
    List<MatchResult.Metadata> out = new ArrayList<>();
    for (String name : names) {
      MatchResult.Metadata m = Store.stat(Store.file(published, name));
      if (m == null) {
        throw new IOException(
            Store.file(published, name) + " is listed in the manifest but does not exist");
      }
      out.add(m);
    }
    return out;
  }

  /**
   * Files already listed ({@code files}, from the manifest or the plan) opened for reading in
   * {@code p}: no file pattern is matched and nothing reshuffled, which a Flink job pays for as
   * another stage. Empty files are fine; a file gone by the time it is read fails the job.
   */
  static PCollection<FileIO.ReadableFile> known(
      Pipeline p, String name, List<MatchResult.Metadata> files) {
    return p.apply(name + "Files", Create.of(files).withCoder(MetadataCoderV2.of()))
        .apply("Open" + name, FileIO.readMatches());
  }

  /** The rows the committed version of a market stage holds, as its manifest records them. */
  static long rowsTotal(JsonNode manifest) {
    return manifest.path("rows_total").has("out")
        ? manifest.path("rows_total").path("out").asLong()
        : manifest.path("rows").path("out").asLong();
  }
}
