package dev.strata.api;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code /health}, {@code /ready}, {@code /model}, {@code /metrics} and {@code /openapi.yaml}. */
final class StatusHandlers {
  private StatusHandlers() {}

  /**
   * Lets through only requests whose {@code Content-Type} is {@code application/json}, compared as
   * media types are (case-insensitively, parameters such as {@code charset} aside); else 415.
   */
  static Handler<RoutingContext> requireJsonBody() {
    return ctx -> {
      String type = ctx.request().getHeader("content-type");
      String mime = type == null ? "" : type.split(";", 2)[0].trim();
      if (!mime.equalsIgnoreCase(Responses.JSON)) {
        throw new ApiError(415, "the body must be sent as application/json", "content-type");
      }
      ctx.next();
    };
  }

  /** {@code GET /health}: the process is up and answering. */
  static Handler<RoutingContext> health() {
    return ctx -> Responses.json(ctx, 200, "{\"status\":\"UP\"}");
  }

  /** {@code GET /ready}: 200 while a model is loaded and the server is not stopping, else 503. */
  static Handler<RoutingContext> ready(ModelRegistry registry, AtomicBoolean stopping) {
    return ctx -> {
      ModelRegistry.Loaded m = registry.current();
      if (stopping.get()) {
        Responses.json(ctx, 503, new JsonObject().put("status", "STOPPING"));
      } else if (m == null) {
        Responses.json(ctx, 503, new JsonObject().put("status", "LOADING"));
      } else {
        Responses.json(
            ctx, 200, new JsonObject().put("status", "READY").put("generation", m.generation()));
      }
    };
  }

  /** {@code GET /model}: what is being served, with its training metrics. */
  static Handler<RoutingContext> model(ModelRegistry registry) {
    return ctx -> {
      ModelRegistry.Loaded m = registry.current();
      if (m == null) {
        Responses.error(ctx, 503, "the model is not loaded yet", null);
      } else {
        Responses.json(ctx, 200, m.info());
      }
    };
  }

  /** {@code GET /metrics}: Prometheus text format. */
  static Handler<RoutingContext> metrics(ApiMetrics metrics) {
    return ctx ->
        ctx.response()
            .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
            .end(metrics.render());
  }

  /** {@code GET /openapi.yaml}: the API's OpenAPI 3 description. */
  static Handler<RoutingContext> openApi(String yaml) {
    return ctx ->
        ctx.response().putHeader("content-type", "application/yaml; charset=utf-8").end(yaml);
  }
}
