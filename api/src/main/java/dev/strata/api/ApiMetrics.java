package dev.strata.api;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request and model counters in the Prometheus text exposition format (version 0.0.4), kept with
 * lock-free adders so that recording costs a few nanoseconds on the event loop.
 *
 * <ul>
 *   <li>{@code strata_api_requests_total{route,method,status}}: requests by route (the route's
 *       template, or {@code other} for unknown paths, so that labels stay few), method and status.
 *   <li>{@code strata_api_request_duration_seconds{route}}: a latency histogram from the request's
 *       arrival to the end of the response.
 *   <li>{@code strata_api_predictions_total}: rows predicted (a batch of n counts n).
 *   <li>{@code strata_api_shed_total{reason}}: requests refused (503, 408) or cut off to protect
 *       the server, by reason ({@link #SHED_REASONS}).
 *   <li>{@code strata_api_model_generation}, {@code strata_api_model_loads_total}, {@code
 *       strata_api_model_load_failures_total}: hot reloads of {@code model.bin}.
 * </ul>
 */
final class ApiMetrics {
  static final Set<String> ROUTES =
      Set.of("/predict", "/health", "/ready", "/model", "/metrics", "/openapi.yaml", "/runs");
  private static final double[] BUCKETS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
  };

  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
  private final LongAdder predictions = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();
  private final AtomicLong generation = new AtomicLong();

  /** Why a request was refused or cut off to protect the server, see {@link #shed}. */
  static final java.util.List<String> SHED_REASONS =
      java.util.List.of("body_budget", "body_timeout", "streams", "plots", "stalled_client");

  private final Map<String, LongAdder> shed = new ConcurrentHashMap<>();

  private static final class Histogram {
    final LongAdder[] counts = new LongAdder[BUCKETS.length + 1];
    final DoubleAdder sum = new DoubleAdder();

    Histogram() {
      for (int i = 0; i < counts.length; i++) {
        counts[i] = new LongAdder();
      }
    }

    void observe(double seconds) {
      int i = 0;
      while (i < BUCKETS.length && seconds > BUCKETS[i]) {
        i++;
      }
      counts[i].increment();
      sum.add(seconds);
    }
  }

  static String routeOf(String path) {
    if (ROUTES.contains(path)) {
      return path;
    }
    if (path.startsWith("/runs/")) {
      String rest = path.substring(6);
      int slash = rest.indexOf('/');
      if (slash < 0) {
        return "/runs/{run_uuid}";
      }
      String tail = rest.substring(slash);
      if (tail.equals("/samples") || tail.equals("/plot.png")) {
        return "/runs/{run_uuid}" + tail;
      }
    }
    return "other";
  }

  /** The methods that get a label of their own; any other name a client sends is {@code other}. */
  static final java.util.Set<String> METHODS =
      java.util.Set.of(
          "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

  void request(String route, String method, int status, long nanos) {
    // Every label comes from a closed set (routes are templates or "other", methods below,
    // statuses 100..599), so a client cannot grow /metrics: 10,000 made-up method names made it
    // 40 MB and then exhausted the heap.
    String m = METHODS.contains(method) ? method : "other";
    String code = status >= 100 && status <= 599 ? Integer.toString(status) : "other";
    requests
        .computeIfAbsent(route + "\u0000" + m + "\u0000" + code, k -> new LongAdder())
        .increment();
    latency.computeIfAbsent(route, k -> new Histogram()).observe(nanos / 1e9);
  }

  /**
   * Counts a request shed to protect the server; {@code reason} is one of {@link #SHED_REASONS}.
   */
  void shed(String reason) {
    if (!SHED_REASONS.contains(reason)) {
      throw new IllegalArgumentException("not a shed reason: " + reason);
    }
    shed.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  void predicted(int rows) {
    predictions.add(rows);
  }

  void modelLoaded(long newGeneration) {
    loads.increment();
    generation.set(newGeneration);
  }

  void modelLoadFailed() {
    loadFailures.increment();
  }

  /** The exposition text. */
  String render() {
    StringBuilder b = new StringBuilder(4096);
    b.append("# HELP strata_api_requests_total HTTP requests by route, method and status.\n");
    b.append("# TYPE strata_api_requests_total counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
      String[] k = e.getKey().split("\u0000");
      b.append("strata_api_requests_total{route=\"")
          .append(k[0])
          .append("\",method=\"")
          .append(k[1])
          .append("\",status=\"")
          .append(k[2])
          .append("\"} ")
          .append(e.getValue().sum())
          .append('\n');
    }
    b.append(
        "# HELP strata_api_request_duration_seconds Time from request arrival to response end.\n");
    b.append("# TYPE strata_api_request_duration_seconds histogram\n");
    for (Map.Entry<String, Histogram> e : new TreeMap<>(latency).entrySet()) {
      Histogram h = e.getValue();
      long cumulative = 0;
      for (int i = 0; i <= BUCKETS.length; i++) {
        cumulative += h.counts[i].sum();
        b.append("strata_api_request_duration_seconds_bucket{route=\"")
            .append(e.getKey())
            .append("\",le=\"")
            .append(
                i < BUCKETS.length
                    ? java.math.BigDecimal.valueOf(BUCKETS[i]).toPlainString()
                    : "+Inf")
            .append("\"} ")
            .append(cumulative)
            .append('\n');
      }
      b.append("strata_api_request_duration_seconds_sum{route=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(h.sum.sum())
          .append('\n');
      b.append("strata_api_request_duration_seconds_count{route=\"")
          .append(e.getKey())
          .append("\"} ")
          .append(cumulative)
          .append('\n');
    }
    b.append("# HELP strata_api_shed_total Requests refused or cut off to protect the server.\n");
    b.append("# TYPE strata_api_shed_total counter\n");
    for (String reason : SHED_REASONS) {
      LongAdder n = shed.get(reason);
      b.append("strata_api_shed_total{reason=\"")
          .append(reason)
          .append("\"} ")
          .append(n == null ? 0 : n.sum())
          .append('\n');
    }
    gauge(b, "strata_api_predictions_total", "counter", "Rows predicted.", predictions.sum());
    gauge(
        b,
        "strata_api_model_generation",
        "gauge",
        "Generation of the model served (1 = first load).",
        generation.get());
    gauge(
        b,
        "strata_api_model_loads_total",
        "counter",
        "Successful loads of model.bin.",
        loads.sum());
    gauge(
        b,
        "strata_api_model_load_failures_total",
        "counter",
        "Changes of model.bin that did not load (the previous model stayed).",
        loadFailures.sum());
    return b.toString();
  }

  private static void gauge(StringBuilder b, String name, String type, String help, long value) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    b.append(name).append(' ').append(value).append('\n');
  }
}
