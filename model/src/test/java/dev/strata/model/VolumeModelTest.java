package dev.strata.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeModelTest {
  @TempDir static Path dir;
  static Path file;

  /** A model with random (initialised, untrained) weights is enough to test the file format. */
  @BeforeAll
  static void writeModel() throws IOException {
    DjlEnvironment.configure(Path.of("target/djl-cache"));
    file = dir.resolve("model.bin");
    Scaling scaling = new Scaling(new double[] {10, 2}, new double[] {2, 1}, 11, 2.5);
    try (ai.djl.Model m = ai.djl.Model.newInstance("t", "PyTorch")) {
      ai.djl.nn.SequentialBlock block = VolumeModel.network(new int[] {8});
      block.initialize(
          m.getNDManager(),
          ai.djl.ndarray.types.DataType.FLOAT32,
          new ai.djl.ndarray.types.Shape(1, 2));
      byte[] params = VolumeModel.parametersOf(block);
      try (VolumeModel model =
          VolumeModel.of(
              scaling,
              new int[] {8},
              params,
              new ObjectMapper().createObjectNode().put("note", "test"))) {
        model.save(file);
      }
    }
  }

  @Test
  void roundTripsWithTheSamePredictions() throws Exception {
    FeatureBatch grid = FeatureGrid.tenByTen();
    try (VolumeModel a = VolumeModel.load(file)) {
      long[] first = a.predict(grid);
      Path copy = dir.resolve("copy.bin");
      a.save(copy);
      try (VolumeModel b = VolumeModel.load(copy)) {
        assertThat(b.predict(grid)).containsExactly(first);
        assertThat(b.hidden()).containsExactly(8);
        assertThat(b.parameterCount()).isEqualTo(2 * 8 + 8 + 8 + 1);
        assertThat(b.metadata().path("note").asText()).isEqualTo("test");
        assertThat(b.scaling().targetStd()).isEqualTo(2.5);
      }
      assertThat(Arrays.stream(first).allMatch(v -> v >= 0)).isTrue();
    }
  }

  @Test
  void aRowsVolumeDoesNotDependOnTheBatchItIsIn() throws Exception {
    java.util.Random r = new java.util.Random(5);
    int n = 3_000;
    double[] vma = new double[n];
    double[] med = new double[n];
    for (int i = 0; i < n; i++) {
      vma[i] = Math.exp(20 * r.nextDouble());
      med[i] = Math.exp(10 * r.nextDouble() - 3);
    }
    try (VolumeModel m = VolumeModel.load(file);
        VolumePredictor p = m.newPredictor()) {
      long[] all = p.predict(new FeatureBatch(vma, med));
      for (int i = 0; i < n; i += 7) {
        assertThat(p.predict(FeatureBatch.of(vma[i], med[i]))[0]).as("row %d", i).isEqualTo(all[i]);
      }
      for (int size : new int[] {2, 5, 63, 65, 200}) {
        long[] part =
            p.predict(
                new FeatureBatch(
                    Arrays.copyOfRange(vma, 11, 11 + size),
                    Arrays.copyOfRange(med, 11, 11 + size)));
        assertThat(part).containsExactly(Arrays.copyOfRange(all, 11, 11 + size));
      }
    }
  }

  @Test
  void refusesACorruptFile() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x40;
    Path bad = dir.resolve("flipped.bin");
    Files.write(bad, bytes);
    assertThatThrownBy(() -> VolumeModel.load(bad))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void refusesATruncatedFile() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.bin");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
    assertThatThrownBy(() -> VolumeModel.load(cut)).isInstanceOf(IOException.class);
  }

  @Test
  void refusesAnotherFormat() throws IOException {
    Path other = dir.resolve("other.bin");
    Files.writeString(other, "PK\u0003\u0004 not a model");
    assertThatThrownBy(() -> VolumeModel.load(other))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a strata model.bin");
  }

  @Test
  void refusesNonFiniteFeatures() throws IOException {
    try (VolumeModel m = VolumeModel.load(file)) {
      assertThatThrownBy(() -> m.predict(FeatureBatch.of(Double.NaN, 3)))
          .hasRootCauseInstanceOf(IllegalArgumentException.class);
    }
  }
}
