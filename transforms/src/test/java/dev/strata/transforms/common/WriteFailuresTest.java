package dev.strata.transforms.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.File;
import java.nio.file.Files;
import java.util.List;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/** {@link WriteFailures}: one JSON line per failure in one file; no failures, one empty file. */
public class WriteFailuresTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static List<String> files(String dir) {
    return List.of(new File(dir).list((d, name) -> name.endsWith(".jsonl")));
  }

  @Test
  @Category(NeedsRunner.class)
  public void writesEachFailureAsOneJsonLine() throws Exception {
    String dir = tmp.getRoot() + "/_rejected/ingest";
    Failure a = Failure.of("ParseBarFiles", "s/A.csv", 3L, "empty_value", "empty", "2020-01-03,,");
    Failure b = Failure.of("LoadToPostgres", "x.parquet", null, "corrupt", "corrupt: \"x\"", "x");
    p.apply(Create.of(a, b)).apply(WriteFailures.to(dir));
    p.run().waitUntilFinish();
    assertEquals(List.of("rejected-00000-of-00001.jsonl"), files(dir));
    List<String> lines = Files.readAllLines(new File(dir, files(dir).get(0)).toPath());
    lines.sort(null);
    assertEquals(
        List.of(
            "{\"step\":\"LoadToPostgres\",\"source\":\"x.parquet\",\"line\":null,"
                + "\"reason\":\"corrupt\",\"message\":\"corrupt: \\\"x\\\"\",\"payload\":\"x\"}",
            "{\"step\":\"ParseBarFiles\",\"source\":\"s/A.csv\",\"line\":3,"
                + "\"reason\":\"empty_value\",\"message\":\"empty\",\"payload\":\"2020-01-03,,\"}"),
        lines);
  }

  @Test
  @Category(NeedsRunner.class)
  public void noFailuresStillWriteAnEmptyFile() throws Exception {
    String dir = tmp.getRoot() + "/_rejected/features/";
    p.apply(Create.empty(Failure.FailureCoder.of())).apply(WriteFailures.to(dir));
    p.run().waitUntilFinish();
    assertEquals(List.of("rejected-00000-of-00001.jsonl"), files(dir));
    assertEquals(0, Files.size(new File(dir, files(dir).get(0)).toPath()));
  }

  @Test
  public void theDirectoryMustBeGiven() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WriteFailures.to(""));
    assertEquals("directory must be a non-empty path, but was ", e.getMessage());
  }
}
