package dev.strata.api;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The API as a whole: loads the model, starts watching it, deploys {@link ApiConfig#instances()}
 * {@link ApiVerticle}s on the port, and stops them gracefully. Used by {@link ApiMain} and by
 * tests.
 */
public final class ApiServer {
  /** Numbers the servers asked for port 0, so that each shares a free port of its own. */
  private static final AtomicInteger ANY_PORT_GROUPS = new AtomicInteger();

  private final Vertx vertx;
  private final ApiConfig config;
  private final ApiMetrics metrics = new ApiMetrics();
  private final ModelRegistry registry;
  private final Predictions predictions;
  private RunsService runs;
  private RunsGates gates;
  private final BodyBudget bodies;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final List<ApiVerticle> verticles = new CopyOnWriteArrayList<>();
  private String deployment;

  ApiServer(Vertx vertx, ApiConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.registry = new ModelRegistry(config.model(), metrics);
    this.predictions = new Predictions(registry);
    this.bodies = new BodyBudget(config, metrics);
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
        runs = new RunsService(config.runs(), config.duckdbMemoryMb(), config.duckdbThreads());
      } catch (java.sql.SQLException e) {
        return Future.failedFuture(e);
      }
    }
    gates = new RunsGates(vertx, config);
    String openApi = openApiText();
    // Port 0 would give every event loop's server a free port of its own; Vert.x lets servers
    // that listen on the same negative number share one free port instead.
    int listenPort = config.port() != 0 ? config.port() : -ANY_PORT_GROUPS.incrementAndGet();
    return vertx
        .deployVerticle(
            () -> {
              ApiVerticle v =
                  new ApiVerticle(
                      config,
                      listenPort,
                      registry,
                      predictions,
                      metrics,
                      stopping,
                      openApi,
                      runs,
                      bodies,
                      gates);
              verticles.add(v);
              return v;
            },
            new DeploymentOptions().setInstances(config.instances()))
        .map(
            id -> {
              deployment = id;
              return this;
            });
  }

  /**
   * Graceful stop, as a load balancer needs it: {@code /ready} turns 503 at once while every
   * request is still served for {@link ApiConfig#drainSeconds()} (so that health checks see it and
   * traffic moves away), then {@link #stop()}.
   */
  Future<Void> drain() {
    stopping.set(true);
    if (config.drainSeconds() <= 0) {
      return stop();
    }
    io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
    vertx.setTimer(config.drainSeconds() * 1000L, id -> drained.complete());
    return drained.future().compose(v -> stop());
  }

  /**
   * Stop: {@code /ready} turns 503, the servers stop accepting and finish requests in flight (up to
   * {@link ApiConfig#shutdownSeconds()}), then the model is closed.
   */
  Future<Void> stop() {
    stopping.set(true);
    Future<Void> undeploy =
        deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
    deployment = null;
    return undeploy.andThen(
        ignored -> {
          predictions.closeAll();
          registry.close();
          if (gates != null) {
            gates.close();
          }
          if (runs != null) {
            try {
              runs.close();
            } catch (java.sql.SQLException e) {
              // closing an in-memory database cannot lose data
            }
          }
        });
  }

  BodyBudget bodies() {
    return bodies;
  }

  RunsGates gates() {
    return gates;
  }

  /**
   * The port the started server listens on: {@link ApiConfig#port()}, or the free port the system
   * chose when that was 0.
   */
  int port() {
    Set<Integer> ports =
        verticles.stream().map(ApiVerticle::port).collect(Collectors.toUnmodifiableSet());
    if (ports.size() != 1) {
      throw new IllegalStateException("the event loops do not share one port: " + ports);
    }
    return ports.iterator().next();
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
