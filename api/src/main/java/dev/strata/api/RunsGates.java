package dev.strata.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounds on {@code /runs} work shared by every event loop: how many queries run at once, how
 * many sample streams may be open at once, and how many plots may be rendered or wait for a
 * renderer. Work beyond them is refused (503 with {@code Retry-After}) rather than queued without
 * end.
 */
final class RunsGates implements AutoCloseable {
  private final int maxStreams;
  private final int maxPlots;
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicInteger plots = new AtomicInteger();
  private final WorkerExecutor plotExecutor;
  private final WorkerExecutor queryExecutor;

  RunsGates(Vertx vertx, ApiConfig config) {
    this.maxStreams = config.maxStreams();
    this.maxPlots = config.plotThreads() + config.plotQueue();
    this.plotExecutor = vertx.createSharedWorkerExecutor("strata-plot", config.plotThreads());
    this.queryExecutor =
        vertx.createSharedWorkerExecutor("strata-query", Math.max(1, config.duckdbThreads()));
  }

  /** Takes a stream slot; false when all are taken. Give it back with {@link #streamEnded}. */
  boolean tryStream() {
    if (streams.incrementAndGet() > maxStreams) {
      streams.decrementAndGet();
      return false;
    }
    return true;
  }

  void streamEnded() {
    streams.decrementAndGet();
  }

  int openStreams() {
    return streams.get();
  }

  /**
   * Runs a render on one of the plot threads, or returns null when as many renders as allowed are
   * running or waiting already.
   */
  <T> Future<T> plot(Callable<T> render) {
    if (plots.incrementAndGet() > maxPlots) {
      plots.decrementAndGet();
      return null;
    }
    return plotExecutor.executeBlocking(render, false).andThen(r -> plots.decrementAndGet());
  }

  /**
   * Runs a {@code /runs} query on one of {@link ApiConfig#duckdbThreads()} query threads, the rest
   * waiting their turn: DuckDB's memory then goes to a few queries at a time instead of failing
   * many that run at once. (Reading on in an open stream's result needs no query thread.)
   */
  <T> Future<T> query(Callable<T> q) {
    return queryExecutor.executeBlocking(q, false);
  }

  @Override
  public void close() {
    queryExecutor.close();
    plotExecutor.close();
  }
}
