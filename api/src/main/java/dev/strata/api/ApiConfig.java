package dev.strata.api;

import java.nio.file.Path;

/**
 * Settings of the API server.
 *
 * @param model the {@code model.bin} to serve (watched for replacement)
 * @param host interface to bind
 * @param port TCP port (0 = any free port)
 * @param instances event loops serving requests, each with its own predictor
 * @param reloadMillis how often the model file is checked for replacement
 * @param maxRows most rows in one {@code POST /predict}
 * @param bodyLimit most bytes in a request body (413 beyond)
 * @param shutdownSeconds how long in-flight requests may take to finish on SIGTERM
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
    int shutdownSeconds,
    Path runs) {

  static ApiConfig defaults(Path model) {
    return new ApiConfig(
        model,
        "0.0.0.0",
        8080,
        Math.max(1, Runtime.getRuntime().availableProcessors()),
        1000,
        10_000,
        2L << 20,
        10,
        null);
  }

  ApiConfig withPort(int p) {
    return new ApiConfig(
        model, host, p, instances, reloadMillis, maxRows, bodyLimit, shutdownSeconds, runs);
  }

  ApiConfig withHost(String h) {
    return new ApiConfig(
        model, h, port, instances, reloadMillis, maxRows, bodyLimit, shutdownSeconds, runs);
  }

  ApiConfig withInstances(int n) {
    return new ApiConfig(
        model, host, port, n, reloadMillis, maxRows, bodyLimit, shutdownSeconds, runs);
  }

  ApiConfig withRuns(Path dir) {
    return new ApiConfig(
        model, host, port, instances, reloadMillis, maxRows, bodyLimit, shutdownSeconds, dir);
  }

  ApiConfig withReloadMillis(long ms) {
    return new ApiConfig(
        model, host, port, instances, ms, maxRows, bodyLimit, shutdownSeconds, runs);
  }
}
