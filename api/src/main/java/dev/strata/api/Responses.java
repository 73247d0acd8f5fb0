package dev.strata.api;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Small helpers for writing responses. */
final class Responses {
  static final String JSON = "application/json";

  private Responses() {}

  static void json(RoutingContext ctx, int status, String body) {
    HttpServerResponse r = ctx.response();
    if (r.ended()) {
      return;
    }
    r.setStatusCode(status).putHeader("content-type", JSON).end(body);
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    json(ctx, status, body.encode());
  }

  /** {@code {"error": message, "field": field}}. */
  static void error(RoutingContext ctx, int status, String message, String field) {
    JsonObject body = new JsonObject().put("error", message).put("field", field);
    json(ctx, status, body);
  }
}
