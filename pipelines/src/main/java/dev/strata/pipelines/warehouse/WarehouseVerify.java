package dev.strata.pipelines.warehouse;

import dev.strata.transforms.common.Checksums;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.warehouse.FileLoader;
import dev.strata.transforms.warehouse.LoadToPostgres;
import java.io.PrintStream;
import java.sql.Connection;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * {@code strata warehouse verify}: compares the input files, the ledger and the table. Every file
 * must be in the ledger with its current checksum, every ledger entry must have its file, and every
 * loaded file must have exactly its row count in the table. Exit code 0 when all agree, 1
 * otherwise, listing each difference (the first 50).
 */
final class WarehouseVerify {
  private WarehouseVerify() {}

  /**
   * {@code strata warehouse verify}: compares the input files, the ledger and the table. Every file
   * must be in the ledger with its current checksum, every ledger entry must have its file, and
   * every loaded file must have exactly its row count in the table. Returns 0 when all agree, 1
   * otherwise, listing each difference.
   */
  static int run(WarehouseOptions o, PrintStream log) throws Exception {
    FileSystems.setDefaultPipelineOptions(o);
    ResourceId input = Store.dir(o.getInput());
    try (Database db = Database.open(o, null)) {
      LoadToPostgres.Target target = db.target();
      FileLoader loader = new FileLoader(o.getTable());
      java.util.List<String> problems = new java.util.ArrayList<>();
      try (Connection c = Database.connect(target)) {
        java.util.Map<String, String[]> ledger = loader.ledger(c);
        java.util.Set<String> seen = new java.util.HashSet<>();
        long rejected = 0;
        for (MatchResult.Metadata f : Store.list(input, ".parquet")) {
          String name = f.resourceId().getFilename();
          seen.add(name);
          String[] entry = ledger.get(name);
          String sha = Checksums.sha256(() -> Store.openSeekable(f.resourceId()));
          if (entry == null) {
            problems.add(name + ": not in the ledger (not loaded)");
          } else if (!entry[0].equals(sha)) {
            problems.add(name + ": changed since it was loaded");
          } else if ("rejected".equals(entry[1])) {
            rejected++;
          }
        }
        for (String name : ledger.keySet()) {
          if (!seen.contains(name)) {
            problems.add(name + ": in the ledger but no longer among the input files");
          }
        }
        problems.addAll(loader.checkTable(c));
        log.printf(
            "[verify] %,d files, %,d ledger entries (%,d rejected files), %d differences%n",
            seen.size(), ledger.size(), rejected, problems.size());
      }
      for (String p : problems.subList(0, Math.min(50, problems.size()))) {
        log.println("  " + p);
      }
      return problems.isEmpty() ? 0 : 1;
    }
  }
}
