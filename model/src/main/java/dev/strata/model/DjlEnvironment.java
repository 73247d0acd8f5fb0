package dev.strata.model;

import java.nio.file.Path;

/**
 * Settings DJL reads once, when the PyTorch engine first loads; call {@link #configure} before
 * that. Nothing is downloaded: the native library comes from the {@code pytorch-native-cpu} jar on
 * the class path and is unpacked into {@code DJL_CACHE_DIR}. A value already set as a system
 * property or environment variable wins over these defaults.
 *
 * <ul>
 *   <li>{@code ai.djl.offline=true}: fail instead of downloading anything.
 *   <li>{@code PYTORCH_FLAVOR=cpu}.
 *   <li>{@code DJL_CACHE_DIR}: the given folder (under the build or output folder, never {@code
 *       ~/.djl.ai}); it receives ~430 MB of native libraries once.
 *   <li>{@code ai.djl.pytorch.num_threads=1}, {@code num_interop_threads=1}: the network is tiny,
 *       so intra-op threads cost more than they save, and single-threaded kernels make training
 *       runs bit-for-bit reproducible. Parallelism comes from running predictors side by side.
 * </ul>
 */
public final class DjlEnvironment {
  private DjlEnvironment() {}

  public static synchronized void configure(Path defaultCacheDir) {
    setDefault("ai.djl.offline", "true");
    setDefault("PYTORCH_FLAVOR", "cpu");
    setDefault("DJL_CACHE_DIR", defaultCacheDir.toAbsolutePath().toString());
    setDefault("ai.djl.pytorch.num_threads", "1");
    setDefault("ai.djl.pytorch.num_interop_threads", "1");
  }

  /**
   * {@code djl-cache/} beside the jar that holds {@code anchor} (so {@code
   * pipelines/target/djl-cache} for the built {@code strata.jar}), or {@code target/djl-cache} in
   * the working directory when running from classes.
   */
  public static Path cacheBesideJarOf(Class<?> anchor) {
    try {
      Path code = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (java.nio.file.Files.isRegularFile(code)) {
        return code.toAbsolutePath().getParent().resolve("djl-cache");
      }
    } catch (java.net.URISyntaxException | SecurityException | NullPointerException e) {
      // fall through to the working directory
    }
    return Path.of("target", "djl-cache").toAbsolutePath();
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null && System.getenv(key) == null) {
      System.setProperty(key, value);
    }
  }
}
