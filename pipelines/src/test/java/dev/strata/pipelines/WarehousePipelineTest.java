package dev.strata.pipelines;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.warehouse.WarehouseGenerator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code strata warehouse} end to end on an embedded PostgreSQL kept between runs: first load,
 * rerun (nothing loaded twice), new and changed files, a bad file among good ones, and names with
 * spaces and colons.
 */
public class WarehousePipelineTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static JsonNode run(Path in, Path out) throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    int code =
        Strata.run(
            new String[] {"warehouse", "--input=" + in, "--output=" + out},
            new PrintStream(log, true, StandardCharsets.UTF_8),
            System.err);
    System.out.print(log.toString(StandardCharsets.UTF_8));
    assertEquals(0, code);
    return StageRunner.JSON.readTree(out.resolve("load/_manifest.json").toFile());
  }

  @Test
  public void loadsOncePerFileVersion() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Path out = tmp.newFolder("out").toPath();
    WarehouseGenerator g = new WarehouseGenerator(5);
    for (int k = 0; k < 12; k++) {
      g.write(in, k, 50);
    }
    Files.copy(
        Path.of("src/test/resources/datawow/2023-01-01 00:00:00.parquet"),
        in.resolve("real 2023-01-01 00:00:00.parquet"));
    JsonNode first = run(in, out);
    assertEquals(13, first.at("/counters/loaded").asLong());
    assertEquals(12 * 50 + 1914, first.at("/counters/rows").asLong());

    JsonNode second = run(in, out);
    assertEquals(13, second.at("/counters/unchanged").asLong());
    assertEquals(0, second.at("/counters/rows").asLong());

    // two new files, one changed file, one bad file
    g.write(in, 12, 50);
    g.write(in, 13, 50);
    new WarehouseGenerator(6).write(in, 0, 70);
    Files.writeString(in.resolve("2023-01-01 09:99:99.parquet"), "not parquet");
    JsonNode third = run(in, out);
    assertEquals(2, third.at("/counters/loaded").asLong());
    assertEquals(1, third.at("/counters/replaced").asLong());
    assertEquals(12, third.at("/counters/unchanged").asLong());
    assertEquals(1, third.at("/counters/rejected").asLong());
    assertEquals(1, third.at("/rows/rejected_by_reason/corrupt").asLong());
    assertEquals(2 * 50 + 70, third.at("/counters/rows").asLong());
    String rejects = Files.readString(out.resolve("_rejected/load/rejected-00000-of-00001.jsonl"));
    assertTrue(rejects, rejects.contains("2023-01-01 09:99:99.parquet"));
  }
}
