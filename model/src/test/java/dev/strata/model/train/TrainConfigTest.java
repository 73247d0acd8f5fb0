package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainConfigTest {
  static final Path OUT = Path.of("out");
  static final Path WORK = Path.of("work");

  @Test
  void defaultsAreTheMarketJobs() {
    assertThat(TrainConfig.defaults(OUT, WORK).toMap())
        .containsExactly(
            entry("hidden", "[32, 32]"),
            entry("batch_size", "2048"),
            entry("learning_rate", "0.005"),
            entry("max_epochs", "10"),
            entry("patience", "2"),
            entry("seed", "42"),
            entry("validation_fraction", "0.1"),
            entry("test_fraction", "0.2"),
            entry("bucket_rows", "1000000"),
            entry("forest_trees", "100"),
            entry("sample_rows", "100000"),
            entry("forest_test_rows", "200000"));
  }

  @Test
  void eachWithChangesOnlyItsOwnSettings() {
    TrainConfig c =
        TrainConfig.defaults(OUT, WORK)
            .withHidden(16, 8)
            .withEpochs(6, 3)
            .withBatch(64, 1e-2, 4_000)
            .withSeed(7)
            .withForest(5, 1_000, 0);
    TrainConfig built =
        TrainConfig.builder(OUT, WORK)
            .hidden(16, 8)
            .maxEpochs(6)
            .patience(3)
            .batchSize(64)
            .learningRate(1e-2)
            .bucketRows(4_000)
            .seed(7)
            .forestTrees(5)
            .sampleRows(1_000)
            .forestTestRows(0)
            .build();
    assertThat(c.toMap()).isEqualTo(built.toMap());
    assertThat(c.outputDir()).isEqualTo(OUT);
    assertThat(c.workDir()).isEqualTo(WORK);
    assertThat(c.withSeed(8).toMap())
        .containsEntry("seed", "8")
        .containsEntry("hidden", "[16, 8]")
        .containsEntry("forest_trees", "5");
    TrainConfig moved = c.toBuilder().outputDir(Path.of("o2")).workDir(Path.of("w2")).build();
    assertThat(moved.toMap()).isEqualTo(c.toMap());
    assertThat(moved.outputDir()).isEqualTo(Path.of("o2"));
  }

  @Test
  void hiddenSizesAreCopied() {
    int[] sizes = {4, 4};
    TrainConfig c = TrainConfig.builder(OUT, WORK).hidden(sizes).build();
    sizes[0] = 99;
    c.hidden()[1] = 99;
    assertThat(c.hidden()).containsExactly(4, 4);
  }

  @Test
  void refusesSettingsOutOfRange() {
    assertThatThrownBy(() -> TrainConfig.defaults(OUT, WORK).withBatch(64, 1e-2, 32))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bucketRows (>= batchSize) is out of range: 32");
    assertThatThrownBy(() -> TrainConfig.builder(OUT, WORK).patience(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("patience is out of range: 0");
  }
}
