package dev.strata.api;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /runs}, {@code /runs/{run_uuid}}, {@code /runs/{run_uuid}/samples} and {@code
 * /runs/{run_uuid}/plot.png} over the sensors job's output ({@code --runs=DIR}). Queries run on
 * worker threads; samples are streamed in chunks as JSON lines ({@code application/x-ndjson}) or
 * CSV ({@code text/csv}) by {@code Accept}, pausing while the client is slow to read.
 */
final class RunsHandler {
  static final long MAX_LIMIT = 1_000_000;
  static final long DEFAULT_LIMIT = 10_000;

  private final Vertx vertx;
  private final RunsService runs;

  RunsHandler(Vertx vertx, RunsService runs) {
    this.vertx = vertx;
    this.runs = runs;
  }

  Handler<RoutingContext> list() {
    return ctx ->
        vertx
            .executeBlocking(() -> runs.allStats().encode(), false)
            .onSuccess(body -> Responses.json(ctx, 200, body))
            .onFailure(ctx::fail);
  }

  Handler<RoutingContext> one() {
    return ctx -> {
      String id = ctx.pathParam("run_uuid");
      vertx
          .executeBlocking(() -> runs.stats(id), false)
          .onSuccess(
              stats -> {
                if (stats == null) {
                  Responses.error(ctx, 404, "no run " + FeatureParser.clip(id), "run_uuid");
                } else {
                  Responses.json(ctx, 200, stats);
                }
              })
          .onFailure(ctx::fail);
    };
  }

  Handler<RoutingContext> samples() {
    return ctx -> {
      String id = ctx.pathParam("run_uuid");
      String from = time(ctx, "from");
      String to = time(ctx, "to");
      if (from != null && to != null && Instant.parse(from).isAfter(Instant.parse(to))) {
        throw ApiError.badRequest("'from' is after 'to'", "from");
      }
      long limit = limit(ctx);
      String columnsParam = single(ctx, "columns");
      boolean csv = "text/csv".equals(ctx.getAcceptableContentType());
      HttpServerResponse response = ctx.response();
      vertx
          .executeBlocking(
              () -> {
                Path dir = runs.runDir(id);
                if (dir == null) {
                  throw new ApiError(404, "no run " + FeatureParser.clip(id), "run_uuid");
                }
                List<String> available = runs.columns(dir);
                available.remove("time");
                List<String> columns = new ArrayList<>();
                if (columnsParam == null || columnsParam.isBlank()) {
                  columns.addAll(available);
                } else {
                  for (String c : columnsParam.split(",")) {
                    String name = c.trim();
                    if (!available.contains(name)) {
                      throw ApiError.badRequest(
                          "unknown column '"
                              + FeatureParser.clip(name)
                              + "'; available: "
                              + available,
                          "columns");
                    }
                    if (!columns.contains(name)) {
                      columns.add(name);
                    }
                  }
                }
                Chunker out = new Chunker(response);
                response.setChunked(true).setStatusCode(200);
                response.putHeader("content-type", csv ? "text/csv" : "application/x-ndjson");
                if (csv) {
                  out.append("time,").append(String.join(",", columns)).append('\n');
                }
                runs.samples(
                    dir,
                    columns,
                    from,
                    to,
                    limit,
                    (time, values) -> {
                      if (csv) {
                        out.append(time);
                        for (Double v : values) {
                          out.append(',').append(v == null ? "" : v.toString());
                        }
                        out.append('\n');
                      } else {
                        out.append("{\"time\":\"").append(time).append('"');
                        for (int i = 0; i < values.length; i++) {
                          out.append(",\"").append(columns.get(i)).append("\":");
                          out.append(values[i] == null ? "null" : values[i].toString());
                        }
                        out.append("}\n");
                      }
                      out.maybeFlush();
                    });
                out.flush();
                return null;
              },
              false)
          .onSuccess(v -> response.end())
          .onFailure(
              e -> {
                if (!response.headWritten()) {
                  ctx.fail(e);
                } else {
                  response.reset(); // a failure mid-stream must not look like a complete answer
                }
              });
    };
  }

  Handler<RoutingContext> plot() {
    return ctx -> {
      String id = ctx.pathParam("run_uuid");
      vertx
          .executeBlocking(
              () -> {
                Path dir = runs.runDir(id);
                if (dir == null) {
                  throw new ApiError(404, "no run " + FeatureParser.clip(id), "run_uuid");
                }
                List<String> available = runs.columns(dir);
                String[] wanted = {"x_1", "y_1", "x_2", "y_2", "f1", "f2"};
                List<String> present = new ArrayList<>();
                int[] slot = new int[wanted.length];
                for (int i = 0; i < wanted.length; i++) {
                  slot[i] = available.contains(wanted[i]) ? present.size() : -1;
                  if (slot[i] >= 0) {
                    present.add(wanted[i]);
                  }
                }
                List<double[]> rows = new ArrayList<>();
                long[] first = {Long.MIN_VALUE};
                runs.samples(
                    dir,
                    present,
                    null,
                    null,
                    Long.MAX_VALUE / 2,
                    (time, values) -> {
                      long ns = toNanos(Instant.parse(time));
                      if (first[0] == Long.MIN_VALUE) {
                        first[0] = ns;
                      }
                      double[] r = new double[7];
                      r[0] = (ns - first[0]) / 1e9;
                      for (int i = 0; i < wanted.length; i++) {
                        Double v = slot[i] < 0 ? null : values[slot[i]];
                        r[i + 1] = v == null ? Double.NaN : v;
                      }
                      rows.add(r);
                    });
                return RunPlot.png(id, rows);
              },
              false)
          .onSuccess(
              png -> ctx.response().putHeader("content-type", "image/png").end(Buffer.buffer(png)))
          .onFailure(ctx::fail);
    };
  }

  private static long toNanos(Instant i) {
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  private static String single(RoutingContext ctx, String name) {
    List<String> v;
    try {
      v = ctx.queryParams().getAll(name);
    } catch (RuntimeException e) {
      throw ApiError.badRequest("the query string is not validly encoded", "query");
    }
    if (v.size() > 1) {
      throw ApiError.badRequest("parameter '" + name + "' is given more than once", name);
    }
    return v.isEmpty() ? null : v.get(0);
  }

  /**
   * The instants a sample can have: the runs store times as nanoseconds since the epoch in a signed
   * 64-bit integer, 1677-09-21 to 2262-04-11 (DuckDB's TIMESTAMP_NS range).
   */
  static final Instant EARLIEST = Instant.ofEpochSecond(0, Long.MIN_VALUE);

  static final Instant LATEST = Instant.ofEpochSecond(0, Long.MAX_VALUE);

  /** An ISO-8601 instant parameter as a normalised UTC string, or null when absent. */
  private static String time(RoutingContext ctx, String name) {
    String v = single(ctx, name);
    if (v == null) {
      return null;
    }
    Instant t = parseInstant(name, v);
    if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
      throw ApiError.badRequest(
          "'"
              + name
              + "' must lie between "
              + EARLIEST
              + " and "
              + LATEST
              + ", not '"
              + FeatureParser.clip(v)
              + "'",
          name);
    }
    return t.toString();
  }

  private static Instant parseInstant(String name, String v) {
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(v);
      } catch (DateTimeParseException e2) {
        throw ApiError.badRequest(
            "'"
                + name
                + "' must be an ISO-8601 time like 2022-11-23T20:40:00.5Z, not '"
                + FeatureParser.clip(v)
                + "'",
            name);
      }
    }
  }

  private static long limit(RoutingContext ctx) {
    String v = single(ctx, "limit");
    if (v == null) {
      return DEFAULT_LIMIT;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw ApiError.badRequest("'limit' must be a whole number in 1.." + MAX_LIMIT, "limit");
  }

  /** Collects text and writes it in ~64 KB chunks, waiting while the response's queue is full. */
  private static final class Chunker {
    private final HttpServerResponse response;
    private final StringBuilder b = new StringBuilder(1 << 16);

    Chunker(HttpServerResponse response) {
      this.response = response;
    }

    StringBuilder append(String s) {
      return b.append(s);
    }

    StringBuilder append(char c) {
      return b.append(c);
    }

    void maybeFlush() {
      if (b.length() >= 1 << 16) {
        flush();
      }
    }

    void flush() {
      if (b.length() == 0) {
        return;
      }
      response.write(b.toString());
      b.setLength(0);
      // Back-pressure: a slow client makes this worker wait instead of buffering the whole run.
      long deadline = System.currentTimeMillis() + 60_000;
      while (response.writeQueueFull()) {
        if (System.currentTimeMillis() > deadline || response.closed()) {
          throw new IllegalStateException("the client stopped reading");
        }
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }
}
