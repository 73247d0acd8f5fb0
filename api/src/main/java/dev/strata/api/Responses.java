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
    json(ctx, status, errorBody(message, field));
  }

  /** At most 40 printable ASCII characters of a client's text, for messages. */
  static String clipAscii(String s) {
    String t = s.length() > 40 ? s.substring(0, 40) : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }

  static JsonObject errorBody(String message, String field) {
    return new JsonObject().put("error", message).put("field", field);
  }

  /**
   * Answers with {@link #error} and closes the connection: for requests whose body the server will
   * not read. The rest of the body is read and dropped for up to {@value #LINGER_MILLIS} ms first,
   * so that the client, still sending, gets the answer instead of a reset.
   */
  static void errorAndClose(RoutingContext ctx, int status, String message, String field) {
    HttpServerResponse r = ctx.response();
    io.vertx.core.http.HttpServerRequest request = ctx.request();
    if (r.ended() || r.closed() || r.headWritten()) {
      Connections.abort(request.connection());
      return;
    }
    r.setStatusCode(status)
        .putHeader("content-type", JSON)
        .putHeader("connection", "close")
        .end(errorBody(message, field).encode());
    if (request.isEnded()) {
      request.connection().close();
      return;
    }
    long timer = ctx.vertx().setTimer(LINGER_MILLIS, id -> Connections.abort(request.connection()));
    request
        .handler(ignored -> {})
        .endHandler(
            v -> {
              ctx.vertx().cancelTimer(timer);
              request.connection().close();
            })
        .resume();
  }

  static final long LINGER_MILLIS = 2_000;
}
