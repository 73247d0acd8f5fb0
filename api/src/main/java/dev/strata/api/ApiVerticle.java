package dev.strata.api;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of one event loop. Several instances share the port (Vert.x spreads connections
 * over them); each has its own {@link PredictHandler} and hence its own predictor. Every error,
 * including unknown routes (404), wrong methods (405), unacceptable {@code Accept} (406), oversized
 * bodies (413) and wrong content types (415), is answered as {@code {"error", "field"}} JSON; an
 * unexpected exception is logged and answered as a 500 without its stack trace.
 */
final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);

  private final ApiConfig config;
  private final int listenPort;
  private final ModelRegistry registry;
  private final Predictions predictions;
  private final ApiMetrics metrics;
  private final AtomicBoolean stopping;
  private final String openApi;
  private final RunsService runs;
  private final BodyBudget bodies;
  private final RunsGates gates;
  private PredictHandler predict;
  private HttpServer server;

  /**
   * @param listenPort the port to listen on: {@link ApiConfig#port()}, or a negative number shared
   *     by the instances that are to share one free port
   */
  ApiVerticle(
      ApiConfig config,
      int listenPort,
      ModelRegistry registry,
      Predictions predictions,
      ApiMetrics metrics,
      AtomicBoolean stopping,
      String openApi,
      RunsService runs,
      BodyBudget bodies,
      RunsGates gates) {
    this.config = config;
    this.listenPort = listenPort;
    this.registry = registry;
    this.predictions = predictions;
    this.metrics = metrics;
    this.stopping = stopping;
    this.openApi = openApi;
    this.runs = runs;
    this.bodies = bodies;
    this.gates = gates;
  }

  @Override
  public Future<?> start() {
    predict = new PredictHandler(vertx, new FeatureParser(config.maxRows()), predictions, metrics);
    Router router = Router.router(vertx);
    router.route().handler(this::measure);
    getOrHead(router, "/predict")
        .produces("application/json")
        .produces("text/plain")
        .handler(predict.get());
    router
        .post("/predict")
        .produces("application/json")
        .handler(StatusHandlers.requireJsonBody())
        .handler(bodies.handler(vertx))
        .handler(predict.post());
    getOrHead(router, "/health").handler(StatusHandlers.health());
    getOrHead(router, "/ready").handler(StatusHandlers.ready(registry, stopping));
    getOrHead(router, "/model").handler(StatusHandlers.model(registry));
    getOrHead(router, "/metrics").handler(StatusHandlers.metrics(metrics));
    getOrHead(router, "/openapi.yaml").handler(StatusHandlers.openApi(openApi));
    if (runs != null) {
      RunsHandler h = new RunsHandler(vertx, runs, gates, metrics, config);
      getOrHead(router, "/runs").handler(h.list());
      getOrHead(router, "/runs/:run_uuid").handler(h.one());
      getOrHead(router, "/runs/:run_uuid/samples")
          .produces("application/x-ndjson")
          .produces("text/csv")
          .handler(h.samples());
      getOrHead(router, "/runs/:run_uuid/plot.png").handler(h.plot());
    } else {
      router
          .route("/runs*")
          .method(HttpMethod.GET)
          .method(HttpMethod.HEAD)
          .handler(
              ctx ->
                  Responses.error(
                      ctx, 404, "run data is not served: start with --runs=DIR", "path"));
    }
    router.route().failureHandler(this::failure);
    router.errorHandler(
        404, ctx -> Responses.error(ctx, 404, "no such route: " + path(ctx), "path"));
    router.errorHandler(
        405,
        ctx ->
            Responses.error(
                ctx, 405, "method " + ctx.request().method() + " is not allowed here", "method"));
    router.errorHandler(
        406, ctx -> Responses.error(ctx, 406, "can answer only " + answerableTypes(ctx), "accept"));
    router.errorHandler(
        415,
        ctx ->
            Responses.error(ctx, 415, "the body must be sent as application/json", "content-type"));
    router.errorHandler(
        501,
        ctx ->
            Responses.error(
                ctx, 501, "method " + ctx.request().method() + " is not implemented", "method"));
    router.errorHandler(500, this::failure);
    HttpServerOptions options =
        new HttpServerOptions()
            .setIdleTimeout(config.idleSeconds())
            .setMaxInitialLineLength(8192)
            // HTTP/1.1 only: h2c (cleartext HTTP/2) is neither needed nor documented.
            .setHttp2ClearTextEnabled(false);
    server = vertx.createHttpServer(options);
    server.connectionHandler(c -> Connections.installStrictFraming(c, options));
    server.invalidRequestHandler(this::invalidRequest);
    return server.requestHandler(router).listen(listenPort, config.host());
  }

  /** A route for GET that also answers HEAD (the same headers, no body), as HTTP requires. */
  private static io.vertx.ext.web.Route getOrHead(Router router, String path) {
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /**
   * Requests the HTTP decoder could not frame (a too long request line or headers, broken chunks,
   * doubled framing): the JSON error shape, then the connection is closed, since where the next
   * request would begin is unknown.
   */
  private void invalidRequest(HttpServerRequest request) {
    long start = System.nanoTime();
    Throwable cause = request.decoderResult().cause();
    int status;
    String message;
    String field;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      message = "the request line is longer than 8192 bytes";
      field = "path";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      message = "the request headers are larger than 8192 bytes";
      field = "headers";
    } else if (cause instanceof Connections.UnsupportedVersion) {
      status = 505;
      message = cause.getMessage();
      field = "version";
    } else if (cause instanceof Connections.DoubleFraming) {
      status = 400;
      message = cause.getMessage();
      field = "headers";
    } else {
      status = 400;
      message = "malformed HTTP request";
      field = null;
    }
    metrics.request("other", "other", status, System.nanoTime() - start);
    request
        .response()
        .setStatusCode(status)
        .putHeader("content-type", Responses.JSON)
        .putHeader("connection", "close")
        .end(Responses.errorBody(message, field).encode());
    // Now, before a request pipelined behind this one (or hidden in its body) can be answered.
    Connections.abort(request.connection());
  }

  /** The port this instance's server is bound to. */
  int port() {
    return server.actualPort();
  }

  private void measure(RoutingContext ctx) {
    long start = System.nanoTime();
    if (stopping.get()) {
      // Draining: answer, but let keep-alive clients take their next request elsewhere.
      ctx.response().putHeader("connection", "close");
    }
    String method = ctx.request().method().name();
    ctx.addEndHandler(
        v ->
            metrics.request(
                ApiMetrics.routeOf(ctx.normalizedPath()),
                method,
                ctx.response().getStatusCode(),
                System.nanoTime() - start));
    ctx.next();
  }

  private void failure(RoutingContext ctx) {
    Throwable f = ctx.failure();
    if (f instanceof ApiError e) {
      if (e.status == 503) {
        ctx.response().putHeader("retry-after", "1");
        LOG.warn("503 on {} {}: {}", ctx.request().method(), path(ctx), e.detail);
      }
      Responses.error(ctx, e.status, e.getMessage(), e.field);
      return;
    }
    int status = ctx.statusCode();
    if (status == 413) {
      Responses.error(ctx, 413, "the body is larger than " + config.bodyLimit() + " bytes", "body");
    } else if (status >= 400 && status < 500) {
      Responses.error(ctx, status, "bad request", null);
    } else {
      LOG.error("unexpected failure on {} {}", ctx.request().method(), path(ctx), f);
      Responses.error(ctx, 500, "internal error", null);
    }
  }

  private static String answerableTypes(RoutingContext ctx) {
    String path = ctx.request().path();
    if (path.endsWith("/samples")) {
      return "application/x-ndjson or text/csv";
    }
    if (ctx.request().method() == HttpMethod.POST) {
      return "application/json";
    }
    return "application/json or text/plain";
  }

  private static String path(RoutingContext ctx) {
    return FeatureParser.clip(ctx.request().path());
  }

  @Override
  public Future<?> stop() {
    // Stop accepting, let requests in flight finish (up to the timeout), then free the predictor.
    return server
        .shutdown(config.shutdownSeconds(), TimeUnit.SECONDS)
        .andThen(ignored -> predict.close());
  }
}
