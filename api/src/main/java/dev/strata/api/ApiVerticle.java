package dev.strata.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
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
      RunsService runs) {
    this.config = config;
    this.listenPort = listenPort;
    this.registry = registry;
    this.predictions = predictions;
    this.metrics = metrics;
    this.stopping = stopping;
    this.openApi = openApi;
    this.runs = runs;
  }

  @Override
  public Future<?> start() {
    predict = new PredictHandler(vertx, new FeatureParser(config.maxRows()), predictions, metrics);
    Router router = Router.router(vertx);
    router.route().handler(this::measure);
    router
        .get("/predict")
        .produces("application/json")
        .produces("text/plain")
        .handler(predict.get());
    router
        .post("/predict")
        .consumes("application/json")
        .handler(BodyHandler.create(false).setBodyLimit(config.bodyLimit()))
        .handler(predict.post());
    router.get("/health").handler(StatusHandlers.health());
    router.get("/ready").handler(StatusHandlers.ready(registry, stopping));
    router.get("/model").handler(StatusHandlers.model(registry));
    router.get("/metrics").handler(StatusHandlers.metrics(metrics));
    router.get("/openapi.yaml").handler(StatusHandlers.openApi(openApi));
    if (runs != null) {
      RunsHandler h = new RunsHandler(vertx, runs);
      router.get("/runs").handler(h.list());
      router.get("/runs/:run_uuid").handler(h.one());
      router
          .get("/runs/:run_uuid/samples")
          .produces("application/x-ndjson")
          .produces("text/csv")
          .handler(h.samples());
      router.get("/runs/:run_uuid/plot.png").handler(h.plot());
    } else {
      router
          .get("/runs*")
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
        406,
        ctx ->
            Responses.error(ctx, 406, "can answer only application/json or text/plain", "accept"));
    router.errorHandler(
        415,
        ctx ->
            Responses.error(ctx, 415, "the body must be sent as application/json", "content-type"));
    router.errorHandler(500, this::failure);
    server =
        vertx.createHttpServer(
            new HttpServerOptions().setIdleTimeout(120).setMaxInitialLineLength(8192));
    return server.requestHandler(router).listen(listenPort, config.host());
  }

  /** The port this instance's server is bound to. */
  int port() {
    return server.actualPort();
  }

  private void measure(RoutingContext ctx) {
    long start = System.nanoTime();
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
