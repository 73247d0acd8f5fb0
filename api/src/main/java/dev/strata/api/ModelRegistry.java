package dev.strata.api;

import dev.strata.model.FeatureSpec;
import dev.strata.model.VolumeModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model being served, and its replacement when {@code model.bin} changes on disk.
 *
 * <p>Every {@code reloadMillis} a worker thread compares the file's size and modification time with
 * those of the model in use; on a change it loads the new file completely (checksum included)
 * before publishing it with one atomic reference swap. Requests in flight finish on the model they
 * started with; the next request of each event loop picks up the new one. A file that does not load
 * (half copied, corrupt, another program's) is logged and the current model stays; the next change
 * is tried again. Replaced models are closed after a grace period.
 */
final class ModelRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
  private static final long GRACE_MILLIS = 30_000;

  /** One loaded generation of the model, with what {@code GET /model} shows about it. */
  record Loaded(VolumeModel model, long generation, JsonObject info, long size, long modified) {}

  private final Path file;
  private final AtomicReference<Loaded> current = new AtomicReference<>();
  private final AtomicLong generations = new AtomicLong();
  private final ApiMetrics metrics;
  private volatile String lastFailedStamp = "";
  private final java.util.concurrent.atomic.AtomicBoolean checking =
      new java.util.concurrent.atomic.AtomicBoolean();
  private long timer = -1;
  private Vertx vertx;

  ModelRegistry(Path file, ApiMetrics metrics) {
    this.file = file.toAbsolutePath();
    this.metrics = metrics;
  }

  /** Loads the file now; throws if it cannot be served. */
  Loaded loadNow() throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    Loaded fresh = load(a.size(), a.lastModifiedTime().toMillis());
    Loaded old = current.getAndSet(fresh);
    metrics.modelLoaded(fresh.generation());
    if (old != null) {
      retire(old);
    }
    return fresh;
  }

  /** Starts watching the file for replacements. */
  void watch(Vertx vertx, long reloadMillis) {
    this.vertx = vertx;
    timer =
        vertx.setPeriodic(
            reloadMillis,
            id ->
                vertx.executeBlocking(
                    () -> {
                      checkForChange();
                      return null;
                    },
                    false));
  }

  /** The model to use now, or null before the first load finished. */
  Loaded current() {
    return current.get();
  }

  Path file() {
    return file;
  }

  /**
   * Loads the file if it changed since the model in use was loaded. One check at a time: a check
   * that starts while another is still loading (a slow disk, a reload period shorter than a load)
   * returns at once instead of loading the same file a second time.
   */
  void checkForChange() {
    if (!checking.compareAndSet(false, true)) {
      return;
    }
    try {
      check();
    } finally {
      checking.set(false);
    }
  }

  private void check() {
    Loaded now = current.get();
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return; // mid-replacement by a non-atomic writer, or removed: keep serving what we have
    } catch (IOException e) {
      LOG.warn("cannot stat {}: {}", file, e.toString());
      return;
    }
    long size = a.size();
    long modified = a.lastModifiedTime().toMillis();
    if (now != null && now.size() == size && now.modified() == modified) {
      return;
    }
    String stamp = size + "@" + modified;
    if (stamp.equals(lastFailedStamp)) {
      return;
    }
    try {
      Loaded fresh = load(size, modified);
      Loaded old = current.getAndSet(fresh);
      metrics.modelLoaded(fresh.generation());
      LOG.info("serving {} generation {} ({} bytes)", file, fresh.generation(), size);
      if (old != null) {
        retire(old);
      }
    } catch (IOException | RuntimeException e) {
      lastFailedStamp = stamp;
      metrics.modelLoadFailed();
      LOG.warn(
          "{} changed but does not load; still serving the previous model: {}", file, e.toString());
    }
  }

  private Loaded load(long size, long modified) throws IOException {
    if (size > 64L << 20) {
      throw new IOException(file + " is " + size + " bytes; a model.bin is at most 64 MiB");
    }
    byte[] bytes = Files.readAllBytes(file);
    VolumeModel model = VolumeModel.load(bytes, file.toString());
    long generation = generations.incrementAndGet();
    JsonObject info = new JsonObject();
    info.put("path", file.toString());
    info.put("generation", generation);
    info.put("loaded_at", Instant.now().toString());
    info.put("bytes", bytes.length);
    info.put("sha256", sha256(bytes));
    JsonObject spec = new JsonObject();
    spec.put("names", new JsonArray(FeatureSpec.NAMES));
    spec.put("version", FeatureSpec.VERSION);
    spec.put("transform", FeatureSpec.TRANSFORM);
    spec.put("target", FeatureSpec.TARGET);
    spec.put("target_transform", FeatureSpec.TARGET_TRANSFORM);
    spec.put("maximum", new JsonArray(FeatureSpec.MAXIMUM));
    info.put("feature_spec", spec);
    JsonArray hidden = new JsonArray();
    for (int h : model.hidden()) {
      hidden.add(h);
    }
    info.put(
        "network",
        new JsonObject().put("hidden", hidden).put("parameters", model.parameterCount()));
    info.put("metadata", new JsonObject(model.metadata().toString()));
    Path metricsFile = file.resolveSibling("metrics.json");
    Object trainingMetrics = null;
    if (Files.isRegularFile(metricsFile)) {
      try {
        trainingMetrics = new JsonObject(Files.readString(metricsFile));
      } catch (RuntimeException e) {
        trainingMetrics = "unreadable: " + e.getMessage();
      }
    }
    info.put("metrics", trainingMetrics);
    return new Loaded(model, generation, info, size, modified);
  }

  private void retire(Loaded old) {
    if (vertx == null) {
      old.model().close();
      return;
    }
    vertx.setTimer(GRACE_MILLIS, id -> old.model().close());
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (vertx != null && timer >= 0) {
      vertx.cancelTimer(timer);
    }
    Loaded last = current.getAndSet(null);
    if (last != null) {
      last.model().close();
    }
  }
}
