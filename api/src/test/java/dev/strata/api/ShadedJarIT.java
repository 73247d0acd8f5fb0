package dev.strata.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * What {@code strata-api.jar} ships, read from the jar the build just shaded (failsafe runs this
 * after {@code package}): the API and the model's serving package, no training class and nothing of
 * Smile, the training's GPL-3.0 forest baseline.
 */
class ShadedJarIT {
  static List<String> entries() throws IOException {
    Path jar = Path.of(System.getProperty("strata.api.jar", "target/strata-api.jar"));
    try (JarFile file = new JarFile(jar.toFile())) {
      return file.stream().map(JarEntry::getName).toList();
    }
  }

  @Test
  void shipsServingCodeWithoutTrainingOrSmile() throws IOException {
    List<String> entries = entries();
    assertThat(entries)
        .contains(
            "dev/strata/api/ApiMain.class",
            "dev/strata/model/VolumeModel.class",
            "dev/strata/model/FeatureSpec.class");
    // Filtered first, so that a failure lists the offending entries, not all 9,000.
    assertThat(entries.stream().filter(e -> e.startsWith("dev/strata/model/train/")))
        .as("training classes in strata-api.jar")
        .isEmpty();
    assertThat(entries.stream().filter(e -> e.toLowerCase(Locale.ROOT).contains("smile")))
        .as("Smile in strata-api.jar")
        .isEmpty();
  }
}
