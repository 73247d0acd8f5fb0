package dev.strata.api;

import dev.strata.model.DjlEnvironment;
import dev.strata.model.Synthetic;
import dev.strata.model.TrainConfig;
import dev.strata.model.TrainVolumeModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real models for the API tests, trained once per JVM by the model module's own training code on
 * its synthetic fixture (a known relation between features and volume). Two different models, so
 * that a hot swap is visible in the answers.
 */
final class ApiFixture {
  private static Path dir;

  private ApiFixture() {}

  static synchronized Path models() {
    if (dir == null) {
      try {
        DjlEnvironment.configure(Path.of("target/djl-cache"));
        dir = Files.createTempDirectory("strata-api-models");
        train(dir.resolve("a"), 7);
        train(dir.resolve("b"), 8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dir;
  }

  /** {@code a/model.bin} (with {@code a/metrics.json}) or {@code b/model.bin}. */
  static Path model(String which) {
    return models().resolve(which).resolve("model.bin");
  }

  private static void train(Path out, long seed) throws IOException {
    TrainConfig c =
        TrainConfig.defaults(out, out.resolveSibling(out.getFileName() + "-work"))
            .withHidden(16, 16)
            .withEpochs(6, 3)
            .withBatch(64, 1e-2, 4_000)
            .withSeed(seed)
            .withForest(5, 1_000, 0);
    TrainVolumeModel.run(c, new Synthetic(30, 200, seed), System.out);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
