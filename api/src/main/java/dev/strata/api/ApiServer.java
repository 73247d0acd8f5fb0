package dev.strata.api;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The API as a whole: loads the model, starts watching it, deploys {@link ApiConfig#instances()}
 * {@link ApiVerticle}s on the port, and stops them gracefully. Used by {@link ApiMain} and by
 * tests.
 */
public final class ApiServer {
  private final Vertx vertx;
  private final ApiConfig config;
  private final ApiMetrics metrics = new ApiMetrics();
  private final ModelRegistry registry;
  private final Predictions predictions;
  private RunsService runs;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private String deployment;

  ApiServer(Vertx vertx, ApiConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.registry = new ModelRegistry(config.model(), metrics);
    this.predictions = new Predictions(registry);
  }

  /** Loads the model (failing fast if it cannot be served) and starts listening. */
  Future<ApiServer> start() {
    try {
      registry.loadNow();
    } catch (IOException | RuntimeException e) {
      return Future.failedFuture(
          new IOException("cannot serve " + config.model() + ": " + e.getMessage(), e));
    }
    registry.watch(vertx, config.reloadMillis());
    if (config.runs() != null) {
      try {
        runs = new RunsService(config.runs());
      } catch (java.sql.SQLException e) {
        return Future.failedFuture(e);
      }
    }
    String openApi = openApiText();
    return vertx
        .deployVerticle(
            () -> new ApiVerticle(config, registry, predictions, metrics, stopping, openApi, runs),
            new DeploymentOptions().setInstances(config.instances()))
        .map(
            id -> {
              deployment = id;
              return this;
            });
  }

  /**
   * Graceful stop: {@code /ready} turns 503 at once, the servers stop accepting and finish requests
   * in flight (up to {@link ApiConfig#shutdownSeconds()}), then the model is closed.
   */
  Future<Void> stop() {
    stopping.set(true);
    Future<Void> undeploy =
        deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
    return undeploy.andThen(
        ignored -> {
          predictions.closeAll();
          registry.close();
          if (runs != null) {
            try {
              runs.close();
            } catch (java.sql.SQLException e) {
              // closing an in-memory database cannot lose data
            }
          }
        });
  }

  ModelRegistry registry() {
    return registry;
  }

  ApiMetrics metrics() {
    return metrics;
  }

  static String openApiText() {
    try (InputStream in = ApiServer.class.getResourceAsStream("/openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
