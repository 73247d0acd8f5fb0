package dev.strata.api;

import dev.strata.model.DjlEnvironment;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * {@code java -jar api/target/strata-api.jar --model=PATH/model.bin [--port=8080] [--host=0.0.0.0]
 * [--instances=N] [--reload-ms=1000] [--runs=DIR] [--drain-seconds=5] [--duckdb-memory-mb=128]
 * [--duckdb-threads=N]}. Exits with status 2 on bad arguments or a model that cannot be served. On
 * SIGTERM (or Ctrl-C) it drains: {@code /ready} turns 503 while requests are still answered for
 * {@code --drain-seconds}, then the server stops accepting, requests in flight finish, and the
 * process exits with status 0.
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
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable stop =
        () -> {
          if (!stopping.compareAndSet(false, true)) {
            return;
          }
          System.out.printf(
              "strata-api: stopping (/ready says 503 for %d s, then requests in flight finish)%n",
              config.drainSeconds());
          try {
            server
                .drain()
                .await(config.drainSeconds() + config.shutdownSeconds() + 5L, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
          } catch (Exception e) {
            System.err.println("strata-api: unclean stop: " + e);
          }
          System.out.println("strata-api: stopped");
        };
    // SIGTERM and Ctrl-C drain and then exit 0: a stop that was asked for is not a failure. Other
    // ways the JVM ends still stop the server through the hook.
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(
          new Signal(name),
          sig ->
              new Thread(
                      () -> {
                        stop.run();
                        System.exit(0);
                      },
                      "strata-api-drain")
                  .start());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "strata-api-shutdown"));
  }

  static ApiConfig parse(String[] args) {
    Path model = null;
    String host = null;
    Integer port = null;
    Integer instances = null;
    Long reload = null;
    Path runs = null;
    Integer drain = null;
    Integer duckdbMemory = null;
    Integer duckdbThreads = null;
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
        case "drain-seconds" -> drain = intIn(name, value, 0, 600);
        case "duckdb-memory-mb" -> duckdbMemory = intIn(name, value, 16, 1 << 20);
        case "duckdb-threads" -> duckdbThreads = intIn(name, value, 1, 256);
        default -> throw new IllegalArgumentException("unknown option --" + name);
      }
    }
    if (model == null) {
      throw new IllegalArgumentException("--model=PATH/model.bin is required");
    }
    if (!Files.isRegularFile(model)) {
      throw new IllegalArgumentException("--model " + model + " is not a file");
    }
    ApiConfig.Builder c = ApiConfig.defaults(model).toBuilder();
    if (host != null) {
      c.host(host);
    }
    if (port != null) {
      c.port(port);
    }
    if (instances != null) {
      c.instances(instances);
    }
    if (reload != null) {
      c.reloadMillis(reload);
    }
    if (drain != null) {
      c.drainSeconds(drain);
    }
    if (duckdbMemory != null) {
      c.duckdbMemoryMb(duckdbMemory);
    }
    if (duckdbThreads != null) {
      c.duckdbThreads(duckdbThreads);
    }
    if (runs != null) {
      if (!Files.isDirectory(runs)) {
        throw new IllegalArgumentException("--runs " + runs + " is not a directory");
      }
      c.runs(runs);
    }
    return c.build();
  }

  private static int intIn(String name, String value, int min, int max) {
    // ASCII digits only (Integer.parseInt would take other scripts' digits too).
    if (value.matches("[0-9]{1,9}")) {
      int v = Integer.parseInt(value);
      if (v >= min && v <= max) {
        return v;
      }
    }
    throw new IllegalArgumentException(
        "--" + name + " must be a whole number in " + min + ".." + max + ", not '" + value + "'");
  }

  private static void usage(PrintStream out) {
    out.println(
        "usage: java -jar api/target/strata-api.jar --model=PATH/model.bin [--port=8080]"
            + " [--host=0.0.0.0] [--instances=<cores>] [--reload-ms=1000] [--runs=SENSORS_OUT]");
    out.println(
        "       [--drain-seconds=5] [--duckdb-memory-mb=128] [--duckdb-threads=<min(2, cores)>]");
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
