package dev.strata.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.strata.model.FeatureBatch;
import dev.strata.model.FeatureSpec;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns requests into {@link FeatureBatch}es, or an {@link ApiError} saying what is wrong and
 * where. Accepted: exactly the {@link FeatureSpec#NAMES}, each once, each a plain decimal number
 * (optionally with an exponent) that is finite, ≥ 0 and ≤ {@link FeatureSpec#MAXIMUM}. Refused:
 * missing, repeated, empty, unknown, non-numeric ({@code NaN}, {@code Infinity}, hex, {@code
 * 1.5f}), negative or absurdly large values; in bodies also wrong JSON types, duplicate keys,
 * malformed JSON, and more than {@code maxRows} rows (413).
 */
final class FeatureParser {
  /**
   * A decimal as people and JSON write it; what {@code Double.parseDouble} accepts beyond it is
   * not.
   */
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?");

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNumberLength(64).maxNestingDepth(8).build())
          .build();

  private final int maxRows;

  FeatureParser(int maxRows) {
    this.maxRows = maxRows;
  }

  /** {@code GET /predict?vol_moving_avg=..&adj_close_rolling_med=..}. */
  FeatureBatch fromQuery(MultiMap params) {
    for (String name : params.names()) {
      if (!FeatureSpec.NAMES.contains(name)) {
        throw ApiError.badRequest(
            "unknown parameter '" + clip(name) + "'; expected " + FeatureSpec.NAMES, clip(name));
      }
    }
    double[] v = new double[FeatureSpec.SIZE];
    for (int i = 0; i < FeatureSpec.SIZE; i++) {
      String name = FeatureSpec.NAMES.get(i);
      List<String> values = params.getAll(name);
      if (values.isEmpty()) {
        throw ApiError.badRequest("missing parameter '" + name + "'", name);
      }
      if (values.size() > 1) {
        throw ApiError.badRequest("parameter '" + name + "' is given more than once", name);
      }
      v[i] = parseText(values.get(0), i, name);
    }
    return FeatureBatch.of(v[0], v[1]);
  }

  /** {@code POST /predict}: a JSON array of objects with exactly the feature fields. */
  FeatureBatch fromJson(Buffer body) {
    double[][] cols = new double[FeatureSpec.SIZE][16];
    int n = 0;
    try (JsonParser p = JSON.createParser(body.getBytes())) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw ApiError.badRequest("the body must be a JSON array of objects", "body");
      }
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw ApiError.badRequest("the JSON array is not closed", "body");
        }
        String at = "[" + n + "]";
        if (t != JsonToken.START_OBJECT) {
          throw ApiError.badRequest("row " + n + " must be a JSON object", at);
        }
        if (n == maxRows) {
          throw new ApiError(413, "at most " + maxRows + " rows per request", "body");
        }
        if (n == cols[0].length) {
          for (int c = 0; c < cols.length; c++) {
            cols[c] = java.util.Arrays.copyOf(cols[c], 2 * n);
          }
        }
        boolean[] seen = new boolean[FeatureSpec.SIZE];
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          int i = FeatureSpec.NAMES.indexOf(name);
          String field = at + "." + clip(name);
          if (i < 0) {
            throw ApiError.badRequest(
                "unknown field '"
                    + clip(name)
                    + "' in row "
                    + n
                    + "; expected "
                    + FeatureSpec.NAMES,
                field);
          }
          JsonToken value = p.nextToken();
          if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT) {
            throw ApiError.badRequest(
                "'" + name + "' in row " + n + " must be a number, not " + describe(value), field);
          }
          cols[i][n] = check(p.getValueAsDouble(), i, field, p.getText());
          seen[i] = true;
        }
        if (t != JsonToken.END_OBJECT) {
          throw ApiError.badRequest("row " + n + " is not a closed JSON object", at);
        }
        for (int i = 0; i < FeatureSpec.SIZE; i++) {
          if (!seen[i]) {
            String name = FeatureSpec.NAMES.get(i);
            throw ApiError.badRequest("row " + n + " lacks '" + name + "'", at + "." + name);
          }
        }
        n++;
      }
      if (p.nextToken() != null) {
        throw ApiError.badRequest("unexpected content after the JSON array", "body");
      }
    } catch (IOException e) {
      // Jackson's message names the problem and its position; the source excerpt is dropped.
      String msg = e.getMessage() == null ? "malformed JSON" : e.getMessage().split("\n")[0];
      throw ApiError.badRequest("malformed JSON: " + clip(msg), "body");
    }
    return new FeatureBatch(
        java.util.Arrays.copyOf(cols[0], n), java.util.Arrays.copyOf(cols[1], n));
  }

  private static double parseText(String text, int i, String name) {
    if (text.isEmpty()) {
      throw ApiError.badRequest("parameter '" + name + "' is empty", name);
    }
    if (text.length() > 64 || !DECIMAL.matcher(text).matches()) {
      throw ApiError.badRequest(
          "parameter '" + name + "' must be a decimal number, not '" + clip(text) + "'", name);
    }
    return check(Double.parseDouble(text), i, name, text);
  }

  private static double check(double v, int i, String field, String text) {
    String name = FeatureSpec.NAMES.get(i);
    if (!Double.isFinite(v)) {
      throw ApiError.badRequest("'" + name + "' is out of range: " + clip(text), field);
    }
    if (v < 0) {
      throw ApiError.badRequest("'" + name + "' must not be negative: " + clip(text), field);
    }
    double max = FeatureSpec.MAXIMUM.get(i);
    if (v > max) {
      throw ApiError.badRequest(
          "'" + name + "' must be at most " + max + ", not " + clip(text), field);
    }
    return v;
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case VALUE_STRING -> "a string";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      default -> t.toString();
    };
  }

  /** Echoed input is shortened, so an error body stays small whatever the client sent. */
  static String clip(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
