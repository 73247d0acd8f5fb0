package dev.strata.transforms.market;

import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/** {@link ReadSymbolMetadata} on {@code ReadSymbolMetadataTest/symbols_valid_meta.csv}. */
public class ReadSymbolMetadataTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @Test
  @Category(NeedsRunner.class)
  public void readsEveryRow() {
    Path file = MarketTesting.resource("/ReadSymbolMetadataTest/symbols_valid_meta.csv");
    PAssert.that(p.apply(ReadSymbolMetadata.from(file.toString())))
        .containsInAnyOrder(
            new SymbolMetadata("A", "A", "Agilent Technologies, Inc. Common Stock"),
            new SymbolMetadata("AGM-A", "AGM$A", "Federal Agricultural \"Farmer Mac\""),
            new SymbolMetadata("NONAME", "NONAME", null));
    p.run().waitUntilFinish();
  }

  @Test
  @Category(NeedsRunner.class)
  public void aFileWithoutTheSymbolColumnFailsThePipeline() throws Exception {
    Path file = tmp.getRoot().toPath().resolve("meta.csv");
    Files.writeString(file, "a,b\n1,2\n");
    p.apply(ReadSymbolMetadata.from(file.toString()));
    assertThrows(Pipeline.PipelineExecutionException.class, () -> p.run().waitUntilFinish());
  }
}
