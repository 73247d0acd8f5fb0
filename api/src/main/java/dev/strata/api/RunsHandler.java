package dev.strata.api;

import io.vertx.core.Future;
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
 * CSV ({@code text/csv}) by {@code Accept}, reading on only as fast as the client reads (see {@link
 * SampleStream}). Streams and plots are bounded by {@link RunsGates}.
 */
final class RunsHandler {
  static final long MAX_LIMIT = 1_000_000;
  static final long DEFAULT_LIMIT = 10_000;

  private final Vertx vertx;
  private final RunsService runs;
  private final RunsGates gates;
  private final ApiMetrics metrics;
  private final long stallMillis;

  RunsHandler(
      Vertx vertx, RunsService runs, RunsGates gates, ApiMetrics metrics, ApiConfig config) {
    this.vertx = vertx;
    this.runs = runs;
    this.gates = gates;
    this.metrics = metrics;
    this.stallMillis = config.stallSeconds() * 1000L;
  }

  Handler<RoutingContext> list() {
    return ctx ->
        gates
            .query(() -> runs.allStats().encode())
            .onSuccess(body -> Responses.json(ctx, 200, body))
            .onFailure(ctx::fail);
  }

  Handler<RoutingContext> one() {
    return ctx -> {
      String id = ctx.pathParam("run_uuid");
      gates
          .query(() -> runs.stats(id))
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
      List<String> wanted = columns(single(ctx, "columns"));
      boolean csv = "text/csv".equals(ctx.getAcceptableContentType());
      if (!gates.tryStream()) {
        metrics.shed("streams");
        busy(ctx, "too many sample streams are open; retry shortly");
        return;
      }
      gates
          .query(
              () -> {
                Path dir = runs.runDir(id);
                if (dir == null) {
                  throw new ApiError(404, "no run " + FeatureParser.clip(id), "run_uuid");
                }
                List<String> available = runs.columns(dir);
                available.remove("time");
                List<String> columns = new ArrayList<>();
                for (String name : wanted == null ? available : wanted) {
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
                return new SampleStream(
                    ctx, runs.open(dir, columns, from, to, limit), columns, csv);
              })
          .onSuccess(SampleStream::start)
          .onFailure(
              e -> {
                gates.streamEnded();
                ctx.fail(e);
              });
    };
  }

  /** The {@code columns} parameter as names, or null for all columns. */
  private static List<String> columns(String param) {
    if (param == null || param.isEmpty()) {
      return null;
    }
    List<String> names = new ArrayList<>();
    for (String c : param.split(",", -1)) {
      String name = c.trim();
      if (name.isEmpty()) {
        throw ApiError.badRequest(
            "'columns' must be column names separated by commas, with none empty", "columns");
      }
      names.add(name);
    }
    return names;
  }

  /**
   * One streamed answer of {@code /runs/{id}/samples}. Rows are read from the query's result about
   * 64 KB at a time on a worker thread; each chunk is written on the event loop. While the client's
   * write queue is full no thread waits: the next chunk is read when the queue drains, and a client
   * that reads nothing for {@link ApiConfig#stallSeconds()} is disconnected. The result is closed
   * and the stream slot given back however the answer ends.
   */
  private final class SampleStream {
    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private final RunsService.Cursor cursor;
    private final List<String> columns;
    private final boolean csv;
    private final StringBuilder b = new StringBuilder(CHUNK + 1024);
    private boolean producing;
    private boolean finished;
    private long stallTimer = -1;

    SampleStream(RoutingContext ctx, RunsService.Cursor cursor, List<String> columns, boolean csv) {
      this.ctx = ctx;
      this.response = ctx.response();
      this.cursor = cursor;
      this.columns = columns;
      this.csv = csv;
    }

    void start() {
      if (response.closed()) {
        finish();
        return;
      }
      response.setChunked(true).setStatusCode(200);
      response.putHeader("content-type", csv ? "text/csv" : "application/x-ndjson");
      response.closeHandler(v -> finish());
      if (csv) {
        b.append("time,").append(String.join(",", columns)).append('\n');
      }
      pump();
    }

    /** Reads the next chunk on a worker thread and writes it here. */
    private void pump() {
      producing = true;
      vertx
          .executeBlocking(this::readChunk, false)
          .onComplete(
              r -> {
                producing = false;
                if (finished) {
                  closeCursor(); // the client left while the chunk was read
                } else if (r.failed()) {
                  // A failure mid-stream must not look like a complete answer.
                  Connections.abort(ctx.request().connection());
                  finish();
                } else {
                  write(r.result());
                }
              });
    }

    /** Up to ~64 KB of rows as text; {@code last} after the final row. */
    private Chunk readChunk() throws Exception {
      boolean more = true;
      while (b.length() < CHUNK && (more = cursor.next(this::append))) {
        // append() formats the row
      }
      String text = b.toString();
      b.setLength(0);
      return new Chunk(text, !more);
    }

    private void append(String time, Double[] values) {
      if (csv) {
        b.append(time);
        for (Double v : values) {
          b.append(',').append(v == null ? "" : v.toString());
        }
        b.append('\n');
      } else {
        b.append("{\"time\":\"").append(time).append('"');
        for (int i = 0; i < values.length; i++) {
          b.append(",\"").append(columns.get(i)).append("\":");
          b.append(values[i] == null ? "null" : values[i].toString());
        }
        b.append("}\n");
      }
    }

    private void write(Chunk chunk) {
      if (!chunk.text().isEmpty()) {
        response.write(chunk.text());
      }
      if (chunk.last()) {
        response.end();
        finish();
      } else if (response.writeQueueFull()) {
        stallTimer =
            vertx.setTimer(
                stallMillis,
                id -> {
                  metrics.shed("stalled_client");
                  Connections.abort(ctx.request().connection());
                  finish();
                });
        response.drainHandler(
            v -> {
              vertx.cancelTimer(stallTimer);
              if (!finished) {
                pump();
              }
            });
      } else {
        pump();
      }
    }

    private void finish() {
      if (finished) {
        return;
      }
      finished = true;
      if (stallTimer >= 0) {
        vertx.cancelTimer(stallTimer);
      }
      gates.streamEnded();
      if (!producing) {
        closeCursor();
      }
    }

    private void closeCursor() {
      vertx.executeBlocking(
          () -> {
            cursor.close();
            return null;
          },
          false);
    }
  }

  private record Chunk(String text, boolean last) {}

  private static final int CHUNK = 1 << 16;

  Handler<RoutingContext> plot() {
    return ctx -> {
      String id = ctx.pathParam("run_uuid");
      Future<byte[]> png =
          gates.plot(
              () -> {
                Path dir = runs.runDir(id);
                if (dir == null) {
                  throw new ApiError(404, "no run " + FeatureParser.clip(id), "run_uuid");
                }
                return plot(id, dir);
              });
      if (png == null) {
        metrics.shed("plots");
        busy(ctx, "too many plots are being drawn; retry shortly");
        return;
      }
      png.onSuccess(
              bytes ->
                  ctx.response().putHeader("content-type", "image/png").end(Buffer.buffer(bytes)))
          .onFailure(ctx::fail);
    };
  }

  /**
   * Reads a run for its picture keeping only every k-th row, k chosen from the run's row count so
   * that at most about {@link RunPlot#MAX_POINTS} rows are held, however long the run.
   */
  private byte[] plot(String id, Path dir) throws Exception {
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
    long total = runs.count(dir);
    long step = Math.max(1, (total + RunPlot.MAX_POINTS - 1) / RunPlot.MAX_POINTS);
    List<double[]> rows = new ArrayList<>();
    long[] first = {Long.MIN_VALUE};
    long[] seen = {0};
    runs.samples(
        dir,
        present,
        null,
        null,
        Long.MAX_VALUE / 2,
        (time, values) -> {
          if (seen[0]++ % step != 0) {
            return;
          }
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
    return RunPlot.png(id, rows, total);
  }

  private static void busy(RoutingContext ctx, String message) {
    ctx.response().putHeader("retry-after", "1");
    Responses.error(ctx, 503, message, null);
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
    // ASCII digits only: Long.parseLong would also take other scripts' digits ("٣").
    if (v.matches("[0-9]{1,7}")) {
      long n = Long.parseLong(v);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    }
    throw ApiError.badRequest("'limit' must be a whole number in 1.." + MAX_LIMIT, "limit");
  }
}
