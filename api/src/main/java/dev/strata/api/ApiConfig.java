package dev.strata.api;

import java.nio.file.Path;

/**
 * Settings of the API server. Every resource a client can make the server hold has a bound here, so
 * that no mix of clients can take the heap, the worker threads or the native memory.
 *
 * @param model the {@code model.bin} to serve (watched for replacement)
 * @param host interface to bind
 * @param port TCP port (0 = any free port)
 * @param instances event loops serving requests, each with its own predictor
 * @param reloadMillis how often the model file is checked for replacement
 * @param maxRows most rows in one {@code POST /predict}
 * @param bodyLimit most bytes in one request body (413 beyond)
 * @param bodyBudget most body bytes held across all connections at once (503 beyond)
 * @param bodySeconds time a client has to send a whole body once the headers arrived (408 beyond)
 * @param idleSeconds a connection that sends and receives nothing for this long is closed
 * @param stallSeconds a client that reads nothing of a streamed answer for this long is cut off
 * @param maxStreams most {@code /runs/{id}/samples} answers streaming at once (503 beyond)
 * @param plotThreads plots rendered at once
 * @param plotQueue plot requests waiting for a renderer (503 beyond)
 * @param duckdbMemoryMb DuckDB's {@code memory_limit} for {@code /runs} queries, in MiB
 * @param duckdbThreads DuckDB's {@code threads} for {@code /runs} queries
 * @param drainSeconds on SIGTERM, how long {@code /ready} says 503 while requests are still served
 * @param shutdownSeconds after the drain, how long requests in flight may take to finish
 * @param runs the sensors job's output directory for {@code /runs}, or null
 */
record ApiConfig(
    Path model,
    String host,
    int port,
    int instances,
    long reloadMillis,
    int maxRows,
    long bodyLimit,
    long bodyBudget,
    int bodySeconds,
    int idleSeconds,
    int stallSeconds,
    int maxStreams,
    int plotThreads,
    int plotQueue,
    int duckdbMemoryMb,
    int duckdbThreads,
    int drainSeconds,
    int shutdownSeconds,
    Path runs) {

  static ApiConfig defaults(Path model) {
    int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
    long heap = Runtime.getRuntime().maxMemory();
    return new Builder(model)
        .host("0.0.0.0")
        .port(8080)
        .instances(cores)
        .reloadMillis(1000)
        .maxRows(10_000)
        .bodyLimit(2L << 20)
        // A quarter of the heap, at most 64 MiB: 32 bodies of the largest size at -Xmx256m.
        .bodyBudget(Math.max(4L << 20, Math.min(64L << 20, heap / 4)))
        .bodySeconds(10)
        .idleSeconds(30)
        .stallSeconds(30)
        .maxStreams(32)
        .plotThreads(Math.min(2, cores))
        .plotQueue(16)
        .duckdbMemoryMb(128)
        .duckdbThreads(Math.min(2, cores))
        .drainSeconds(5)
        .shutdownSeconds(10)
        .build();
  }

  Builder toBuilder() {
    return new Builder(this);
  }

  ApiConfig withPort(int p) {
    return toBuilder().port(p).build();
  }

  ApiConfig withHost(String h) {
    return toBuilder().host(h).build();
  }

  ApiConfig withInstances(int n) {
    return toBuilder().instances(n).build();
  }

  ApiConfig withRuns(Path dir) {
    return toBuilder().runs(dir).build();
  }

  ApiConfig withReloadMillis(long ms) {
    return toBuilder().reloadMillis(ms).build();
  }

  /** Sets fields one by one, starting from {@link #defaults} or an existing config. */
  static final class Builder {
    private Path model;
    private String host;
    private int port;
    private int instances;
    private long reloadMillis;
    private int maxRows;
    private long bodyLimit;
    private long bodyBudget;
    private int bodySeconds;
    private int idleSeconds;
    private int stallSeconds;
    private int maxStreams;
    private int plotThreads;
    private int plotQueue;
    private int duckdbMemoryMb;
    private int duckdbThreads;
    private int drainSeconds;
    private int shutdownSeconds;
    private Path runs;

    private Builder(Path model) {
      this.model = model;
    }

    private Builder(ApiConfig c) {
      model = c.model;
      host = c.host;
      port = c.port;
      instances = c.instances;
      reloadMillis = c.reloadMillis;
      maxRows = c.maxRows;
      bodyLimit = c.bodyLimit;
      bodyBudget = c.bodyBudget;
      bodySeconds = c.bodySeconds;
      idleSeconds = c.idleSeconds;
      stallSeconds = c.stallSeconds;
      maxStreams = c.maxStreams;
      plotThreads = c.plotThreads;
      plotQueue = c.plotQueue;
      duckdbMemoryMb = c.duckdbMemoryMb;
      duckdbThreads = c.duckdbThreads;
      drainSeconds = c.drainSeconds;
      shutdownSeconds = c.shutdownSeconds;
      runs = c.runs;
    }

    Builder host(String v) {
      host = v;
      return this;
    }

    Builder port(int v) {
      port = v;
      return this;
    }

    Builder instances(int v) {
      instances = v;
      return this;
    }

    Builder reloadMillis(long v) {
      reloadMillis = v;
      return this;
    }

    Builder maxRows(int v) {
      maxRows = v;
      return this;
    }

    Builder bodyLimit(long v) {
      bodyLimit = v;
      return this;
    }

    Builder bodyBudget(long v) {
      bodyBudget = v;
      return this;
    }

    Builder bodySeconds(int v) {
      bodySeconds = v;
      return this;
    }

    Builder idleSeconds(int v) {
      idleSeconds = v;
      return this;
    }

    Builder stallSeconds(int v) {
      stallSeconds = v;
      return this;
    }

    Builder maxStreams(int v) {
      maxStreams = v;
      return this;
    }

    Builder plotThreads(int v) {
      plotThreads = v;
      return this;
    }

    Builder plotQueue(int v) {
      plotQueue = v;
      return this;
    }

    Builder duckdbMemoryMb(int v) {
      duckdbMemoryMb = v;
      return this;
    }

    Builder duckdbThreads(int v) {
      duckdbThreads = v;
      return this;
    }

    Builder drainSeconds(int v) {
      drainSeconds = v;
      return this;
    }

    Builder shutdownSeconds(int v) {
      shutdownSeconds = v;
      return this;
    }

    Builder runs(Path v) {
      runs = v;
      return this;
    }

    ApiConfig build() {
      return new ApiConfig(
          model,
          host,
          port,
          instances,
          reloadMillis,
          maxRows,
          bodyLimit,
          bodyBudget,
          bodySeconds,
          idleSeconds,
          stallSeconds,
          maxStreams,
          plotThreads,
          plotQueue,
          duckdbMemoryMb,
          duckdbThreads,
          drainSeconds,
          shutdownSeconds,
          runs);
    }
  }
}
