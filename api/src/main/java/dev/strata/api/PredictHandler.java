package dev.strata.api;

import dev.strata.model.FeatureBatch;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /predict?vol_moving_avg=..&adj_close_rolling_med=..} → {@code {"volume": n}} (or
 * {@code n} as {@code text/plain}), and {@code POST /predict} with a JSON array of rows → a JSON
 * array of volumes in the same order. Inputs are validated by {@link FeatureParser}. Single rows
 * and small batches are predicted on the event loop by its own predictor; batches above {@value
 * #INLINE_ROWS} rows go to a worker thread.
 */
final class PredictHandler {
  static final int INLINE_ROWS = 256;

  private final Vertx vertx;
  private final FeatureParser parser;
  private final Predictions predictions;
  private final Predictions.EventLoopPredictor local;
  private final ApiMetrics metrics;
  // GET requests waiting for this turn's forward pass; touched only on this verticle's event loop.
  private final RoutingContext[] pendingRequests = new RoutingContext[INLINE_ROWS];
  private final double[] pendingVma = new double[INLINE_ROWS];
  private final double[] pendingMed = new double[INLINE_ROWS];
  private int pendingCount;

  PredictHandler(Vertx vertx, FeatureParser parser, Predictions predictions, ApiMetrics metrics) {
    this.vertx = vertx;
    this.parser = parser;
    this.predictions = predictions;
    this.local = predictions.onEventLoop();
    this.metrics = metrics;
  }

  Handler<RoutingContext> get() {
    return ctx -> {
      MultiMap params;
      try {
        params = ctx.queryParams();
      } catch (RuntimeException e) {
        throw ApiError.badRequest("the query string is not validly encoded", "query");
      }
      FeatureBatch row = parser.fromQuery(params);
      int n = pendingCount++;
      pendingRequests[n] = ctx;
      pendingVma[n] = row.volMovingAvg()[0];
      pendingMed[n] = row.adjCloseRollingMed()[0];
      if (n == 0) {
        // Answer after the event loop has read every request that is ready now: all of them go
        // through the network in one forward pass. No timer, so no added latency when idle.
        vertx.getOrCreateContext().runOnContext(v -> flush());
      } else if (pendingCount == INLINE_ROWS) {
        flush();
      }
    };
  }

  /** Predicts the GET requests gathered in this turn of the event loop, together. */
  private void flush() {
    int n = pendingCount;
    if (n == 0) {
      return;
    }
    pendingCount = 0;
    RoutingContext[] requests = java.util.Arrays.copyOf(pendingRequests, n);
    java.util.Arrays.fill(pendingRequests, 0, n, null);
    long[] volumes;
    try {
      volumes =
          local.predict(
              new FeatureBatch(
                  java.util.Arrays.copyOf(pendingVma, n), java.util.Arrays.copyOf(pendingMed, n)));
    } catch (RuntimeException e) {
      for (RoutingContext ctx : requests) {
        ctx.fail(e);
      }
      return;
    }
    metrics.predicted(n);
    for (int i = 0; i < n; i++) {
      RoutingContext ctx = requests[i];
      if ("text/plain".equals(ctx.getAcceptableContentType())) {
        ctx.response().putHeader("content-type", "text/plain").end(Long.toString(volumes[i]));
      } else {
        Responses.json(ctx, 200, "{\"volume\":" + volumes[i] + "}");
      }
    }
  }

  Handler<RoutingContext> post() {
    return ctx -> {
      io.vertx.core.buffer.Buffer body = BodyBudget.body(ctx);
      if (body == null || body.length() == 0) {
        throw ApiError.badRequest("the body is empty; expected a JSON array of rows", "body");
      }
      FeatureBatch batch = parser.fromJson(body);
      if (batch.size() <= INLINE_ROWS) {
        answer(ctx, local.predict(batch));
      } else {
        vertx
            .executeBlocking(() -> predictions.onWorker(batch), false)
            .onSuccess(v -> answer(ctx, v))
            .onFailure(ctx::fail);
      }
    };
  }

  private void answer(RoutingContext ctx, long[] volumes) {
    metrics.predicted(volumes.length);
    StringBuilder b = new StringBuilder(volumes.length * 9 + 2).append('[');
    for (int i = 0; i < volumes.length; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(volumes[i]);
    }
    Responses.json(ctx, 200, b.append(']').toString());
  }

  void close() {
    local.close();
  }
}
