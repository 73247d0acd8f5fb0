package dev.strata.api;

import ai.djl.translate.TranslateException;
import dev.strata.model.FeatureBatch;
import dev.strata.model.VolumePredictor;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DJL predictors for the served model. DJL predictors are not thread-safe, so each event loop owns
 * one ({@link #onEventLoop}, confined to that loop's thread: a single prediction costs ~17 µs,
 * cheap enough not to block it) and large batches borrow one from a pool on a worker thread ({@link
 * #onWorker}). When the model is replaced, a predictor of the old generation is closed and a new
 * one made the next time it is used.
 */
final class Predictions {
  private static final Logger LOG = LoggerFactory.getLogger(Predictions.class);

  private final ModelRegistry registry;
  private final ConcurrentLinkedQueue<Owned> pool = new ConcurrentLinkedQueue<>();

  /** A predictor and the model generation it belongs to. */
  private record Owned(long generation, VolumePredictor predictor) {}

  Predictions(ModelRegistry registry) {
    this.registry = registry;
  }

  /** One event loop's predictor; use only from that loop's thread. */
  final class EventLoopPredictor {
    private Owned owned;

    long[] predict(FeatureBatch batch) {
      ModelRegistry.Loaded model = current();
      if (owned == null || owned.generation() != model.generation()) {
        Predictions.close(owned);
        owned = new Owned(model.generation(), model.model().newPredictor());
      }
      return run(owned, batch);
    }

    void close() {
      Predictions.close(owned);
      owned = null;
    }
  }

  EventLoopPredictor onEventLoop() {
    return new EventLoopPredictor();
  }

  /** Predicts with a pooled predictor; call from a worker thread. */
  long[] onWorker(FeatureBatch batch) {
    ModelRegistry.Loaded model = current();
    Owned owned = pool.poll();
    while (owned != null && owned.generation() != model.generation()) {
      close(owned);
      owned = pool.poll();
    }
    if (owned == null) {
      owned = new Owned(model.generation(), model.model().newPredictor());
    }
    try {
      return run(owned, batch);
    } finally {
      pool.offer(owned);
    }
  }

  private ModelRegistry.Loaded current() {
    ModelRegistry.Loaded model = registry.current();
    if (model == null) {
      throw new ApiError(503, "the model is not loaded yet", null);
    }
    return model;
  }

  private static long[] run(Owned owned, FeatureBatch batch) {
    try {
      return owned.predictor().predict(batch);
    } catch (TranslateException e) {
      throw new IllegalStateException("prediction failed", e);
    }
  }

  private static void close(Owned owned) {
    if (owned == null) {
      return;
    }
    try {
      owned.predictor().close();
    } catch (RuntimeException e) {
      LOG.debug("closing a predictor of generation {}: {}", owned.generation(), e.toString());
    }
  }

  void closeAll() {
    Owned o;
    while ((o = pool.poll()) != null) {
      close(o);
    }
  }
}
