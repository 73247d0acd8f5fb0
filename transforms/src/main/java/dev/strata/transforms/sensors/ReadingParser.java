package dev.strata.transforms.sensors;

import dev.strata.transforms.common.Failure;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses and validates long-format robot readings ({@code time, value, field, robot_id, run_uuid,
 * sensor_type}; other columns are ignored), row by row, from CSV text or from typed Parquet values.
 *
 * <ul>
 *   <li>{@code time}: ISO-8601, any number of fractional digits (beyond nanoseconds they are
 *       truncated), {@code Z} or an offset; no offset means UTC. Also a Parquet timestamp.
 *   <li>{@code value}: a finite number, a plain decimal in text ({@code 1.5f}, hex: rejected).
 *   <li>{@code field} and {@code sensor_type}: {@code x,y,z} ↔ {@code encoder}, {@code fx,fy,fz} ↔
 *       {@code load_cell}.
 *   <li>{@code robot_id}: 1 or 2 (as an integer, or a float with no fraction).
 *   <li>{@code run_uuid}: kept as an exact decimal string. A number (string, int64, unsigned int64
 *       or float64) becomes its exact integer digits: float64 {@code 1.2405186538561671E19} is
 *       {@code 12405186538561671168}, the value the file actually holds; text in exponent notation
 *       is read as the float64 it prints (so CSV and Parquet of the same data agree); integer text
 *       keeps all its digits ({@code 12405186538561671661}). Anything else (a real UUID) is kept as
 *       written.
 *   <li>physical bounds ({@link ReadingRules}).
 * </ul>
 *
 * Each row ends as exactly one accepted reading or one {@link Failure} with file, line, reason
 * ({@code missing_column, wrong_field_count, missing_value, unparseable_time, unparseable_value,
 * non_finite_value, unknown_field, unknown_sensor_type, field_sensor_mismatch, unknown_robot,
 * out_of_bounds}) and the row's text.
 */
public final class ReadingParser {
  public static final String STEP = "ParseReadingFiles";
  public static final List<String> COLUMNS =
      List.of("time", "value", "field", "robot_id", "run_uuid", "sensor_type");

  /** Receives accepted readings. */
  public interface Sink {
    /** An accepted reading; {@code spike} when re-reading cleaned data flagged as a spike. */
    void reading(
        String runUuid, Signal signal, long timeNanos, double value, long line, boolean spike);

    void failure(Failure failure);
  }

  private final ReadingRules rules;
  private final String source;
  private final Sink sink;
  private final Map<String, String> runIds = new HashMap<>();
  // A file holds few runs, in long stretches: the last valid id, and the last float64 id with its
  // digits, spare a regex and a BigDecimal per row (a third of the clean stage's parsing).
  private String lastValidRunId;
  private double lastRunIdValue = Double.NaN;
  private String lastRunIdDigits;

  public ReadingParser(ReadingRules rules, String source, Sink sink) {
    this.rules = rules;
    this.source = source;
    this.sink = sink;
  }

  /** A rejected row. */
  static final class Rejected extends Exception {
    final String reason;

    Rejected(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  // ------------------------------------------------------------------ CSV

  /** Parses a whole CSV file (header first); returns the number of data rows. */
  public long parseCsv(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int pos = text.startsWith("\uFEFF") ? 1 : 0;
    int[] col = null;
    int headerFields = 0;
    long line = 0;
    long rows = 0;
    while (pos < text.length()) {
      int end = text.indexOf('\n', pos);
      if (end < 0) {
        end = text.length();
      }
      String raw = text.substring(pos, end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end);
      pos = end + 1;
      line++;
      if (col == null) {
        List<String> header = split(raw);
        headerFields = header.size();
        col = new int[COLUMNS.size()];
        List<String> missing = new ArrayList<>();
        for (int c = 0; c < col.length; c++) {
          col[c] = header.indexOf(COLUMNS.get(c));
          if (col[c] < 0) {
            missing.add(COLUMNS.get(c));
          }
        }
        if (!missing.isEmpty()) {
          // every data row of the file is rejected, so that none is lost silently
          long n = 0;
          for (String rest : text.substring(Math.min(pos, text.length())).split("\n")) {
            if (!rest.isBlank()) {
              n++;
              sink.failure(
                  failure(
                      line + n,
                      "missing_column",
                      "the header has no column " + missing + ": " + header,
                      rest.strip()));
            }
          }
          return n;
        }
        continue;
      }
      if (raw.isBlank()) {
        continue;
      }
      rows++;
      List<String> f = split(raw);
      try {
        if (f.size() != headerFields) {
          throw new Rejected(
              "wrong_field_count", "expected " + headerFields + " fields, found " + f.size());
        }
        accept(
            f.get(col[0]),
            f.get(col[1]),
            f.get(col[2]),
            f.get(col[3]),
            f.get(col[4]),
            f.get(col[5]),
            line);
      } catch (Rejected r) {
        sink.failure(failure(line, r.reason, r.getMessage(), raw));
      }
    }
    return rows;
  }

  /** Splits a CSV line on commas; a field in double quotes may contain commas and "" quotes. */
  static List<String> split(String line) {
    List<String> out = new ArrayList<>(8);
    int i = 0;
    int n = line.length();
    while (true) {
      if (i < n && line.charAt(i) == '"') {
        StringBuilder b = new StringBuilder();
        i++;
        while (i < n) {
          char c = line.charAt(i++);
          if (c == '"') {
            if (i < n && line.charAt(i) == '"') {
              b.append('"');
              i++;
            } else {
              break;
            }
          } else {
            b.append(c);
          }
        }
        out.add(b.toString());
        int comma = line.indexOf(',', i);
        if (comma < 0) {
          return out;
        }
        i = comma + 1;
      } else {
        int comma = line.indexOf(',', i);
        if (comma < 0) {
          out.add(line.substring(i).trim());
          return out;
        }
        out.add(line.substring(i, comma).trim());
        i = comma + 1;
      }
    }
  }

  /** Validates one row given as text (CSV, or Parquet values rendered as text by the caller). */
  void accept(
      String time, String value, String field, String robot, String run, String sensor, long line)
      throws Rejected {
    if (time.isEmpty()
        || value.isEmpty()
        || field.isEmpty()
        || robot.isEmpty()
        || run.isEmpty()
        || sensor.isEmpty()) {
      throw new Rejected("missing_value", "a required value is empty");
    }
    long t = parseTime(time);
    double v;
    try {
      v = parseDecimal(value);
    } catch (NumberFormatException e) {
      throw new Rejected("unparseable_value", "value '" + value + "' is not a number");
    }
    accept(t, v, field, robotOf(robot), runId(run), sensor, line, false);
  }

  /** Validates one row with typed values (Parquet). */
  void accept(
      long timeNanos,
      double value,
      String field,
      int robot,
      String runUuid,
      String sensor,
      long line,
      boolean spike)
      throws Rejected {
    if (!Double.isFinite(value)) {
      throw new Rejected("non_finite_value", "value is " + value);
    }
    String expectedSensor = Signal.sensorTypeOf(field);
    if (expectedSensor == null) {
      throw new Rejected("unknown_field", "field '" + field + "' is none of x, y, z, fx, fy, fz");
    }
    if (!sensor.equals(Signal.ENCODER) && !sensor.equals(Signal.LOAD_CELL)) {
      throw new Rejected(
          "unknown_sensor_type", "sensor_type '" + sensor + "' is neither encoder nor load_cell");
    }
    if (!expectedSensor.equals(sensor)) {
      throw new Rejected(
          "field_sensor_mismatch",
          "field '" + field + "' belongs to " + expectedSensor + ", not " + sensor);
    }
    if (robot != 1 && robot != 2) {
      throw new Rejected("unknown_robot", "robot_id " + robot + " is neither 1 nor 2");
    }
    if (!runUuid.equals(lastValidRunId) && !VALID_RUN_ID.matcher(runUuid).matches()) {
      // A run id names the folder runs/run_uuid=<id>/: anything that could be a path ("..", "/",
      // "\\", NUL, a dot, unicode look-alikes) or an overlong name is refused here, at the
      // boundary.
      throw new Rejected(
          "invalid_run_uuid",
          "run_uuid '"
              + printable(runUuid)
              + "' is not 1 to "
              + MAX_RUN_ID
              + " ASCII letters, digits, '-' or '_'");
    }
    lastValidRunId = runUuid;
    Signal s = Signal.of(field, robot);
    if (!rules.inBounds(s, value)) {
      throw new Rejected(
          "out_of_bounds",
          s.column()
              + " = "
              + value
              + " is outside "
              + (s.isForce()
                  ? rules.forceMin + ".." + rules.forceMax + " N"
                  : rules.positionMin + ".." + rules.positionMax + " mm"));
    }
    sink.reading(runUuid, s, timeNanos, value, line, spike);
  }

  /** The file this parser reads, as failures name it. */
  String source() {
    return source;
  }

  void reject(long line, Rejected r, String row) {
    sink.failure(failure(line, r.reason, r.getMessage(), row));
  }

  private Failure failure(long line, String reason, String message, String payload) {
    return Failure.of(STEP, source, line, reason, message, payload);
  }

  /**
   * Text as a number: a plain decimal ({@code [sign] digits [. digits] [e [sign] digits]}), or
   * {@code NaN}/{@code Infinity} (read, to be rejected as non-finite with their own reason). Unlike
   * {@link Double#parseDouble}, no type suffix ({@code 1.5f}, {@code 2d}), hex or spaces: the
   * market job's rule for numbers.
   *
   * @throws NumberFormatException if it is neither
   */
  static double parseDecimal(String text) {
    if (isDecimal(text) || text.matches("[+-]?(NaN|Infinity)")) {
      return Double.parseDouble(text);
    }
    throw new NumberFormatException("not a decimal number: '" + text + "'");
  }

  /** {@code [sign] digits [. digits] [e|E [sign] digits]}, with a digit before or after the dot. */
  static boolean isDecimal(String t) {
    int n = t.length();
    int i = 0;
    if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
      i++;
    }
    int digits = 0;
    while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
      i++;
      digits++;
    }
    if (i < n && t.charAt(i) == '.') {
      i++;
      while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < n && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
      i++;
      if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
        i++;
      }
      int exp = 0;
      while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
        i++;
        exp++;
      }
      if (exp == 0) {
        return false;
      }
    }
    return i == n;
  }

  static int robotOf(String text) throws Rejected {
    try {
      double d = parseDecimal(text);
      if (d == Math.rint(d) && Math.abs(d) < 1e9) {
        return (int) d;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new Rejected("unknown_robot", "robot_id '" + text + "' is not 1 or 2");
  }

  /** The longest run id accepted: it becomes a folder name, {@code run_uuid=<id>}. */
  static final int MAX_RUN_ID = 128;

  /**
   * What a run id may be once canonical: Machina's ids are decimal integers (uint64), and UUIDs fit
   * too. No dots, slashes or other characters a file system treats specially.
   */
  static final java.util.regex.Pattern VALID_RUN_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1," + MAX_RUN_ID + "}");

  /** {@code text} for a message: control characters as {@code ?}, at most 60 characters. */
  static String printable(String text) {
    StringBuilder b = new StringBuilder();
    text.codePoints()
        .limit(60)
        .forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return text.codePointCount(0, text.length()) > 60 ? b + "…" : b.toString();
  }

  /** The exact decimal string of a run id (cached: a file has few runs). */
  String runId(String text) {
    return runIds.computeIfAbsent(text, ReadingParser::canonicalRunId);
  }

  /** {@link #runIdOf(double)}, remembering the last id. */
  String runId(double d) {
    if (lastRunIdDigits == null
        || Double.doubleToRawLongBits(d) != Double.doubleToRawLongBits(lastRunIdValue)) {
      lastRunIdDigits = runIdOf(d);
      lastRunIdValue = d;
    }
    return lastRunIdDigits;
  }

  static String canonicalRunId(String text) {
    String t = text.trim();
    if (t.chars().allMatch(Character::isDigit)) {
      return t.length() > 1 ? t.replaceFirst("^0+(?=.)", "") : t;
    }
    try {
      if (t.indexOf('e') >= 0 || t.indexOf('E') >= 0) {
        // Exponent notation is how float64 ids are printed (pandas, DuckDB): take the digits of
        // the double it denotes, so the same data read from CSV or from Parquet gets the same id.
        double v = Double.parseDouble(t);
        if (Double.isFinite(v)) {
          return runIdOf(v);
        }
      }
      BigDecimal d = new BigDecimal(t);
      BigDecimal stripped = d.stripTrailingZeros();
      return stripped.scale() <= 0
          ? stripped.toBigIntegerExact().toString()
          : stripped.toPlainString();
    } catch (NumberFormatException | ArithmeticException e) {
      return t;
    }
  }

  /** The exact integer digits of a float64 run id. */
  static String runIdOf(double d) {
    BigDecimal b = new BigDecimal(d);
    return b.stripTrailingZeros().scale() <= 0
        ? b.toBigInteger().toString()
        : b.stripTrailingZeros().toPlainString();
  }

  /** ISO-8601 to nanoseconds since the epoch. */
  static long parseTime(String s) throws Rejected {
    long fast = fastTime(s);
    if (fast != Long.MIN_VALUE) {
      return fast;
    }
    try {
      String t = truncateFraction(s.trim().replace(' ', 'T'));
      OffsetDateTime odt =
          t.matches(".*([zZ]|[+-]\\d\\d:?\\d\\d)$")
              ? OffsetDateTime.parse(t.toUpperCase(Locale.ROOT))
              : OffsetDateTime.parse(t + "Z");
      long secs = odt.toEpochSecond();
      return Math.addExact(Math.multiplyExact(secs, 1_000_000_000L), odt.getNano());
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new Rejected("unparseable_time", "time '" + s + "' is not ISO-8601");
    }
  }

  private static String truncateFraction(String t) {
    int dot = t.indexOf('.');
    if (dot < 0) {
      return t;
    }
    int end = dot + 1;
    while (end < t.length() && Character.isDigit(t.charAt(end))) {
      end++;
    }
    return end - dot - 1 > 9 ? t.substring(0, dot + 10) + t.substring(end) : t;
  }

  /**
   * {@code YYYY-MM-DDTHH:MM:SS[.f…]Z}, the real files' form, without allocating; else MIN_VALUE.
   */
  private static long fastTime(String s) {
    int n = s.length();
    if (n < 20
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(n - 1) != 'Z') {
      return Long.MIN_VALUE;
    }
    int y = digits(s, 0, 4);
    int mo = digits(s, 5, 2);
    int d = digits(s, 8, 2);
    int h = digits(s, 11, 2);
    int mi = digits(s, 14, 2);
    int se = digits(s, 17, 2);
    if ((y | mo | d | h | mi | se) < 0
        || mo < 1
        || mo > 12
        || d < 1
        || d > 31
        || h > 23
        || mi > 59
        || se > 59) {
      return Long.MIN_VALUE;
    }
    long nanos = 0;
    if (n > 20) {
      if (s.charAt(19) != '.' || n == 21) {
        return Long.MIN_VALUE;
      }
      long scale = 100_000_000L;
      for (int i = 20; i < n - 1; i++) {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          return Long.MIN_VALUE;
        }
        nanos += (c - '0') * scale;
        scale /= 10;
      }
    } else if (s.charAt(19) != 'Z') {
      return Long.MIN_VALUE;
    }
    try {
      long day = LocalDate.of(y, mo, d).toEpochDay();
      return ((day * 86_400 + h * 3600L + mi * 60L + se) * 1_000_000_000L) + nanos;
    } catch (java.time.DateTimeException e) {
      return Long.MIN_VALUE;
    }
  }

  private static int digits(String s, int from, int len) {
    int v = 0;
    for (int i = from; i < from + len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
