package dev.strata.api;

import dev.strata.model.DjlEnvironment;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar api/target/strata-api.jar --model=PATH/model.bin [--port=8080] [--host=0.0.0.0]
 * [--instances=N] [--reload-ms=1000]}. Exits with status 2 on bad arguments or a model that cannot
 * be served. On SIGTERM (or Ctrl-C) it stops gracefully: readiness turns 503, the server stops
 * accepting, requests in flight finish, then the process exits.
 */
public final class ApiMain {
  private ApiMain() {}

  public static void main(String[] args) throws Exception {
    ApiConfig config;
    try {
      config = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("strata-api: " + e.getMessage());
      usage(System.err);
      System.exit(2);
      return;
    }
    if (config == null) {
      usage(System.out);
      return;
    }
    DjlEnvironment.configure(defaultDjlCache());
    Vertx vertx = Vertx.vertx();
    ApiServer server = new ApiServer(vertx, config);
    try {
      server.start().await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("strata-api: " + e.getMessage());
      vertx.close();
      System.exit(2);
      return;
    }
    ModelRegistry.Loaded m = server.registry().current();
    System.out.printf(
        "strata-api listening on http://%s:%d/ with %d event loops, serving %s (generation %d, %s)%n",
        config.host(),
        server.port(),
        config.instances(),
        config.model(),
        m.generation(),
        m.info().getString("sha256").substring(0, 12));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("strata-api: stopping (finishing requests in flight)");
                  try {
                    server.stop().await(config.shutdownSeconds() + 5L, TimeUnit.SECONDS);
                    vertx.close().await(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    System.err.println("strata-api: unclean stop: " + e);
                  }
                  System.out.println("strata-api: stopped");
                },
                "strata-api-shutdown"));
  }

  static ApiConfig parse(String[] args) {
    Path model = null;
    String host = null;
    Integer port = null;
    Integer instances = null;
    Long reload = null;
    Path runs = null;
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        return null;
      }
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("expected --name=value, got '" + a + "'");
      }
      String name = a.substring(2, eq);
      String value = a.substring(eq + 1);
      switch (name) {
        case "model" -> model = Path.of(value);
        case "host" -> host = value;
        case "port" -> port = intIn(name, value, 0, 65535);
        case "instances" -> instances = intIn(name, value, 1, 256);
        case "reload-ms" -> reload = (long) intIn(name, value, 50, 3_600_000);
        case "runs" -> runs = Path.of(value);
        default -> throw new IllegalArgumentException("unknown option --" + name);
      }
    }
    if (model == null) {
      throw new IllegalArgumentException("--model=PATH/model.bin is required");
    }
    if (!Files.isRegularFile(model)) {
      throw new IllegalArgumentException("--model " + model + " is not a file");
    }
    ApiConfig c = ApiConfig.defaults(model);
    if (host != null) {
      c = c.withHost(host);
    }
    if (port != null) {
      c = c.withPort(port);
    }
    if (instances != null) {
      c = c.withInstances(instances);
    }
    if (reload != null) {
      c = c.withReloadMillis(reload);
    }
    if (runs != null) {
      if (!Files.isDirectory(runs)) {
        throw new IllegalArgumentException("--runs " + runs + " is not a directory");
      }
      c = c.withRuns(runs);
    }
    return c;
  }

  private static int intIn(String name, String value, int min, int max) {
    try {
      int v = Integer.parseInt(value);
      if (v < min || v > max) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + name + " must be a whole number in " + min + ".." + max + ", not '" + value + "'");
    }
  }

  private static void usage(PrintStream out) {
    out.println(
        "usage: java -jar api/target/strata-api.jar --model=PATH/model.bin [--port=8080]"
            + " [--host=0.0.0.0] [--instances=<cores>] [--reload-ms=1000] [--runs=SENSORS_OUT]");
    out.println("endpoints: GET /predict, POST /predict, /health, /ready, /model, /metrics,");
    out.println(
        "           /runs, /runs/{id}, /runs/{id}/samples, /runs/{id}/plot.png (with --runs),");
    out.println("           /openapi.yaml (the full description)");
  }

  /** Where DJL unpacks PyTorch unless {@code DJL_CACHE_DIR} is set: beside the jar. */
  static Path defaultDjlCache() {
    return dev.strata.model.DjlEnvironment.cacheBesideJarOf(ApiMain.class);
  }
}
