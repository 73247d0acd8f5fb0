package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.model.DjlEnvironment;
import dev.strata.model.FeatureBatch;
import dev.strata.model.FeatureGrid;
import dev.strata.model.VolumeModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainVolumeModelTest {
  @TempDir static Path dir;
  static TrainVolumeModel.Result result;
  static Path out;

  static TrainConfig config(Path output) {
    return TrainConfig.defaults(output, output.resolveSibling(output.getFileName() + "-work"))
        .withHidden(16, 16)
        .withEpochs(10, 3)
        .withBatch(64, 1e-2, 4_000)
        .withForest(20, 2_000, 0);
  }

  @BeforeAll
  static void train() throws IOException {
    DjlEnvironment.configure(Path.of("target/djl-cache"));
    out = dir.resolve("model");
    result = TrainVolumeModel.run(config(out), new Synthetic(40, 300, 7), System.out);
  }

  @Test
  void lossGoesDownToTheNoiseLevel() {
    List<TrainVolumeModel.Epoch> epochs = result.epochs();
    // Seeded and single-threaded, so the run is the same every time: the validation loss still
    // improves in the last of the 10 epochs allowed.
    assertThat(epochs).hasSize(10);
    TrainVolumeModel.Epoch best = epochs.get(result.bestEpoch() - 1);
    // The epoch kept is the lowest validation loss, up to the 0.1 % that counts as noise.
    for (TrainVolumeModel.Epoch e : epochs) {
      assertThat(best.validationLoss()).isLessThanOrEqualTo(e.validationLoss() * 1.001);
    }
    assertThat(best.validationLoss()).isLessThan(epochs.get(0).trainLoss());
    // The log-volume noise is 0.05 against a spread of about 1.9 (level and factor-of-9 price
    // effect): a model that learned the relation has a standardised L1 far below 0.1; one that
    // learned only the volume level would sit near 0.5.
    assertThat(best.validationLoss()).isLessThan(0.1);
    assertThat(epochs).allSatisfy(e -> assertThat(e.trainLoss()).isFinite());
  }

  @Test
  void beatsTheNaiveBaselineAndPredictsTheKnownRelation() throws Exception {
    JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    double model = metrics.path("model").path("mae").asDouble();
    double naive = metrics.path("naive").path("mae").asDouble();
    assertThat(model).isLessThan(naive / 3);
    assertThat(metrics.path("test_rows").asLong()).isEqualTo(result.split().testRows);
    // The forest (pure Java, seeded per tree) on all 2,400 test rows.
    assertThat(metrics.path("random_forest").path("rows").asLong())
        .isEqualTo(result.split().testRows);
    assertThat(metrics.path("random_forest").path("mae").asDouble()).isEqualTo(14304.267885163414);
    try (VolumeModel m = VolumeModel.load(result.modelFile())) {
      long[] v =
          m.predict(new FeatureBatch(new double[] {100_000, 100_000}, new double[] {80, 20}));
      assertThat((double) v[0])
          .isCloseTo(300_000, org.assertj.core.data.Percentage.withPercentage(15));
      assertThat((double) v[1])
          .isCloseTo(33_333, org.assertj.core.data.Percentage.withPercentage(15));
    }
  }

  @Test
  void writesEveryArtifact() throws Exception {
    for (String f : List.of("model.bin", "training.log", "loss.csv", "loss.png", "metrics.json")) {
      assertThat(out.resolve(f)).isNotEmptyFile();
    }
    List<String> csv = Files.readAllLines(out.resolve("loss.csv"));
    assertThat(csv.get(0)).isEqualTo("epoch,train_loss,validation_loss,seconds");
    assertThat(csv).hasSize(result.epochs().size() + 1);
    String log = Files.readString(out.resolve("training.log"));
    for (TrainVolumeModel.Epoch e : result.epochs()) {
      assertThat(log)
          .contains(String.format("epoch %2d  train_loss %.6f", e.epoch(), e.trainLoss()));
    }
    // File names, not the (often temporary) output directory.
    assertThat(log)
        .contains(
            String.format(
                "wrote model.bin (%,d bytes), metrics.json, loss.csv, loss.png [total ",
                Files.size(out.resolve("model.bin"))))
        .doesNotContain(out.toString());
    assertThat(ImageIO.read(out.resolve("loss.png").toFile()).getWidth()).isEqualTo(900);
    assertThat(Files.size(out.resolve("model.bin"))).isLessThan(1 << 20);
    assertThat(dir.resolve("model-work")).doesNotExist();
  }

  @Test
  void splitIsByDateWithoutOverlap() {
    TimeSplit s = result.split();
    assertThat(s.firstDay).isLessThan(s.validationStart);
    assertThat(s.validationStart).isLessThan(s.testStart);
    long total = s.trainRows + s.validationRows + s.testRows;
    assertThat(total).isEqualTo(result.counts().examples);
    // 40 symbols share every date, so whole days move the fractions by at most 40 rows.
    assertThat((double) s.testRows / total)
        .isCloseTo(0.2, org.assertj.core.data.Offset.offset(0.01));
    assertThat((double) s.validationRows / total)
        .isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void sameSeedSameModel() throws Exception {
    Path again = dir.resolve("again");
    TrainVolumeModel.Result second =
        TrainVolumeModel.run(config(again), new Synthetic(40, 300, 7), System.out);
    try (VolumeModel a = VolumeModel.load(result.modelFile());
        VolumeModel b = VolumeModel.load(second.modelFile())) {
      FeatureBatch grid = FeatureGrid.tenByTen();
      assertThat(b.predict(grid)).containsExactly(a.predict(grid));
    }
    assertThat(second.epochs())
        .isEqualTo(
            result.epochs().stream()
                .map(
                    e ->
                        new TrainVolumeModel.Epoch(
                            e.epoch(),
                            e.trainLoss(),
                            e.validationLoss(),
                            second.epochs().get(e.epoch() - 1).seconds()))
                .toList());
  }

  @Test
  void theOrderRowsArriveInDoesNotChangeTheModel() throws Exception {
    // Feature files are sharded differently on every run and runner; the model must not notice.
    Path reversed = dir.resolve("reversed");
    TrainVolumeModel.Result other =
        TrainVolumeModel.run(config(reversed), new Synthetic(40, 300, 7, true), System.out);
    try (VolumeModel a = VolumeModel.load(result.modelFile());
        VolumeModel b = VolumeModel.load(other.modelFile())) {
      FeatureBatch grid = FeatureGrid.tenByTen();
      assertThat(b.predict(grid)).containsExactly(a.predict(grid));
    }
    assertThat(other.bestEpoch()).isEqualTo(result.bestEpoch());
  }

  @Test
  void refusesAnEmptySource() {
    assertThatThrownBy(
            () -> TrainVolumeModel.run(config(dir.resolve("empty")), visitor -> {}, System.out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least " + TrainVolumeModel.MIN_EXAMPLES + " examples");
    // enough examples, but on two dates only: no split by date
    assertThatThrownBy(
            () ->
                TrainVolumeModel.run(
                    config(dir.resolve("two-dates")), new Synthetic(60, 6, 7), System.out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 3 distinct dates");
  }

  @Test
  void tooFewExamplesIsAClearErrorNamingTheMinimum() {
    // one symbol of 83 days: 79 examples (the crash: DJL's "Gradient values are all zeros")
    assertThatThrownBy(
            () ->
                TrainVolumeModel.run(
                    config(dir.resolve("small")), new Synthetic(1, 83, 7), System.out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least " + TrainVolumeModel.MIN_EXAMPLES + " examples")
        .hasMessageContaining("give 79");
    assertThat(dir.resolve("small").resolve(VolumeModel.FILE_NAME)).doesNotExist();
  }

  @Test
  void theMinimumTrainsAndNoForestIsNoCrash() throws IOException {
    // exactly the minimum, with --forestTrees=0 (which crashed in the test-set sample)
    Path small = dir.resolve("minimum");
    TrainVolumeModel.Result r =
        TrainVolumeModel.run(
            config(small).withForest(0, 2_000, 0),
            new Synthetic(1, TrainVolumeModel.MIN_EXAMPLES + 4, 7),
            System.out);
    assertThat(r.counts().examples).isEqualTo(TrainVolumeModel.MIN_EXAMPLES);
    assertThat(r.metrics()).doesNotContainKey("random_forest");
    assertThat(small.resolve(VolumeModel.FILE_NAME)).exists();
  }
}
