package dev.strata.pipelines.launcher;

import dev.strata.transforms.common.ParquetChannels;
import dev.strata.transforms.common.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.parquet.hadoop.ParquetFileReader;

/**
 * What a stage wrote, counted from the files themselves rather than from the runner's counters: the
 * rows in Parquet footers and the reject lines by reason. The row accounting a stage reports is
 * checked against these, so a runner that lost or duplicated a bundle cannot pass.
 */
public final class Outputs {
  private Outputs() {}

  /** The names of the files directly in {@code dir} ending with {@code suffix}, sorted. */
  public static List<String> fileNames(ResourceId dir, String suffix) throws IOException {
    return Store.list(dir, suffix).stream().map(md -> md.resourceId().getFilename()).toList();
  }

  /** Rows in the Parquet files directly in {@code dir}, from their footers. */
  public static long parquetRows(ResourceId dir) throws IOException {
    return parquetRows(Store.list(dir, ".parquet"));
  }

  /** Rows in the given Parquet files, from their footers. */
  public static long parquetRows(List<MatchResult.Metadata> files) throws IOException {
    long rows = 0;
    for (MatchResult.Metadata f : files) {
      try (SeekableByteChannel ch = Store.openSeekable(f.resourceId());
          ParquetFileReader r =
              ParquetFileReader.open(ParquetChannels.input(ch, f.resourceId().toString()))) {
        rows += r.getRecordCount();
      }
    }
    return rows;
  }

  /**
   * Counts the JSON-lines rejects ({@code WriteFailures}' format) of {@code dir} into {@code
   * byReason} and returns their total.
   */
  public static long countRejected(ResourceId dir, Map<String, Long> byReason) throws IOException {
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
          String reason = Json.MAPPER.readTree(line).path("reason").asText("unknown");
          byReason.merge(reason, 1L, Long::sum);
        }
      }
    }
    return n;
  }
}
