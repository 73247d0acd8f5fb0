package dev.strata.api;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads request bodies into memory within three bounds, replacing Vert.x's {@code BodyHandler}
 * (which bounds one body, not their sum, and waits for a body for ever):
 *
 * <ul>
 *   <li>one body is at most {@link ApiConfig#bodyLimit()} bytes (413, said before the body is read
 *       when {@code Content-Length} announces it);
 *   <li>all bodies being received or served at once hold at most {@link ApiConfig#bodyBudget()}
 *       bytes, across every connection and event loop. A request that does not fit is answered 503
 *       with {@code Retry-After} before its body is read, and its connection is closed, so the
 *       client cannot keep sending into it;
 *   <li>a body must arrive whole within {@link ApiConfig#bodySeconds()} of the headers (408, and
 *       the connection is closed).
 * </ul>
 *
 * A request's bytes count against the budget from the moment they are reserved (the announced
 * length, or each chunk as it arrives when the length is not announced) until its response has
 * ended or its connection has closed. The body is then at {@link #body(RoutingContext)}.
 */
final class BodyBudget {
  private static final String KEY = BodyBudget.class.getName();

  private final long perBody;
  private final long total;
  private final long timeoutMillis;
  private final ApiMetrics metrics;
  private final AtomicLong held = new AtomicLong();

  BodyBudget(ApiConfig config, ApiMetrics metrics) {
    this.perBody = config.bodyLimit();
    this.total = config.bodyBudget();
    this.timeoutMillis = config.bodySeconds() * 1000L;
    this.metrics = metrics;
  }

  /** Body bytes held now (for tests and metrics). */
  long held() {
    return held.get();
  }

  /** The body read by {@link #handler}, or null when the request had none. */
  static Buffer body(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  private boolean reserve(long bytes) {
    while (true) {
      long now = held.get();
      if (now + bytes > total) {
        return false;
      }
      if (held.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  Handler<RoutingContext> handler(Vertx vertx) {
    return ctx -> {
      HttpServerRequest request = ctx.request();
      long announced = contentLength(request);
      boolean chunked =
          request.version() == HttpVersion.HTTP_2
              || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
      if (announced < 0 && !chunked) {
        ctx.next(); // no body
        return;
      }
      if (announced > perBody) {
        refuse(ctx, 413, "the body is larger than " + perBody + " bytes", null);
        return;
      }
      Body body = new Body(ctx, Math.max(0, announced));
      if (!body.grow(Math.max(0, announced))) {
        metrics.shed("body_budget");
        refuse(ctx, 503, "too many request bodies are being received; retry shortly", "1");
        return;
      }
      ctx.addEndHandler(v -> body.release());
      if (request.isEnded()) {
        body.done();
        return;
      }
      String expect = request.getHeader(HttpHeaders.EXPECT);
      if (expect != null && expect.equalsIgnoreCase("100-continue")) {
        ctx.response().writeContinue();
      }
      body.timer =
          vertx.setTimer(
              timeoutMillis,
              id -> {
                body.timer = -1;
                if (!body.ended) {
                  metrics.shed("body_timeout");
                  body.release();
                  refuse(
                      ctx,
                      408,
                      "the body did not arrive within " + timeoutMillis / 1000 + " s",
                      null);
                }
              });
      request
          .handler(
              chunk -> {
                if (body.ended) {
                  return;
                }
                if (body.data.length() + chunk.length() > perBody) {
                  body.abandon(vertx);
                  refuse(ctx, 413, "the body is larger than " + perBody + " bytes", null);
                } else if (announced < 0 && !body.grow(chunk.length())) {
                  body.abandon(vertx);
                  metrics.shed("body_budget");
                  refuse(
                      ctx, 503, "too many request bodies are being received; retry shortly", "1");
                } else {
                  body.data.appendBuffer(chunk);
                }
              })
          .endHandler(
              v -> {
                if (!body.ended) {
                  vertx.cancelTimer(body.timer);
                  body.done();
                }
              })
          .exceptionHandler(
              e -> {
                body.abandon(vertx);
                // A body whose framing breaks (a bad chunk size): say so, then close.
                refuse(ctx, 400, "the body is not validly framed: " + e.getMessage(), null);
              })
          .resume();
    };
  }

  /** One request's body: its bytes and what it holds of the budget. */
  private final class Body {
    final RoutingContext ctx;
    final Buffer data;
    long reserved;
    boolean ended;
    long timer = -1;

    Body(RoutingContext ctx, long announced) {
      this.ctx = ctx;
      this.data = Buffer.buffer((int) Math.min(announced, 1 << 16));
    }

    boolean grow(long bytes) {
      if (bytes == 0) {
        return true;
      }
      if (!reserve(bytes)) {
        return false;
      }
      reserved += bytes;
      return true;
    }

    void done() {
      ended = true;
      ctx.put(KEY, data);
      ctx.next();
    }

    void abandon(Vertx vertx) {
      ended = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      release();
    }

    void release() {
      long r = reserved;
      reserved = 0;
      if (r > 0) {
        held.addAndGet(-r);
      }
    }
  }

  /**
   * Answers without reading (the rest of) the body, and closes the connection once the answer is
   * out: a client that keeps sending cannot hold the connection or the memory.
   */
  private static void refuse(RoutingContext ctx, int status, String message, String retryAfter) {
    if (retryAfter != null && !ctx.response().headWritten()) {
      ctx.response().putHeader("retry-after", retryAfter);
    }
    Responses.errorAndClose(ctx, status, message, "body");
  }

  private static long contentLength(HttpServerRequest request) {
    String v = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (v == null || v.isEmpty()) {
      return -1;
    }
    try {
      long n = Long.parseLong(v.trim());
      return n < 0 ? -1 : n;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
