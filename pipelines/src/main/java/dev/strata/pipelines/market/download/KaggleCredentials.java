package dev.strata.pipelines.market.download;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The Kaggle API credentials, from {@code KAGGLE_USERNAME}/{@code KAGGLE_KEY} or the {@code
 * kaggle.json} Kaggle's own CLI uses ({@code $KAGGLE_CONFIG_DIR} or {@code ~/.kaggle}); they never
 * appear in logs, manifests or error messages.
 */
final class KaggleCredentials {
  private KaggleCredentials() {}

  /**
   * The HTTP basic {@code Authorization} header: from the environment if both variables are set,
   * else from {@code file}.
   */
  static String basicAuth(Path file) throws IOException {
    String user = System.getenv("KAGGLE_USERNAME");
    String key = System.getenv("KAGGLE_KEY");
    if (user == null || key == null || user.isBlank() || key.isBlank()) {
      if (file == null || !Files.isRegularFile(file)) {
        throw new KaggleDownload.Failed(
            "no Kaggle credentials: set KAGGLE_USERNAME and KAGGLE_KEY, or put kaggle.json in "
                + (file == null ? "~/.kaggle" : file.getParent()));
      }
      JsonNode j;
      try {
        j = Json.MAPPER.readTree(file.toFile());
      } catch (IOException e) {
        throw new KaggleDownload.Failed(
            file + " is not the JSON file Kaggle gives ({\"username\", \"key\"})");
      }
      user = j.path("username").asText("");
      key = j.path("key").asText("");
      if (user.isEmpty() || key.isEmpty()) {
        throw new KaggleDownload.Failed(file + " lacks \"username\" or \"key\"");
      }
    }
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + key).getBytes(StandardCharsets.UTF_8));
  }

  /** Where Kaggle's CLI keeps kaggle.json: $KAGGLE_CONFIG_DIR, else ~/.kaggle. */
  static Path defaultFile() {
    String dir = System.getenv("KAGGLE_CONFIG_DIR");
    return (dir != null && !dir.isBlank()
            ? Path.of(dir)
            : Path.of(System.getProperty("user.home"), ".kaggle"))
        .resolve("kaggle.json");
  }
}
