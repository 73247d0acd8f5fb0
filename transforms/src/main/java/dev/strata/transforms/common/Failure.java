package dev.strata.transforms.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A rejected input record on its way to a dead-letter output: which step rejected it, where it came
 * from (file and 1-based line), a machine-readable reason code, a human message and the original
 * record exactly as read. Written as one JSON object per line under {@code <output>/_rejected/}.
 *
 * <p>Immutable, with value equality (for {@code PAssert}) and its own deterministic coder.
 */
@DefaultCoder(Failure.FailureCoder.class)
public final class Failure implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String step;
  private final String source;
  private final @Nullable Long line;
  private final String reason;
  private final String message;
  private final String payload;

  private Failure(
      String step,
      String source,
      @Nullable Long line,
      String reason,
      String message,
      String payload) {
    this.step = Objects.requireNonNull(step, "step");
    this.source = Objects.requireNonNull(source, "source");
    this.line = line;
    this.reason = Objects.requireNonNull(reason, "reason");
    this.message = Objects.requireNonNull(message, "message");
    this.payload = Objects.requireNonNull(payload, "payload");
  }

  public static Failure of(
      String step,
      String source,
      @Nullable Long line,
      String reason,
      String message,
      String payload) {
    return new Failure(step, source, line, reason, message, payload);
  }

  /** The transform that rejected the record, e.g. {@code ParseBarFiles}. */
  public String step() {
    return step;
  }

  /** The input file (or other source) of the record. */
  public String source() {
    return source;
  }

  /** 1-based line number in {@link #source()}, or null where the source has no lines. */
  public @Nullable Long line() {
    return line;
  }

  /** Stable, lower_snake reason code: {@code empty_value}, {@code duplicate_date}, ... */
  public String reason() {
    return reason;
  }

  /** What exactly is wrong, for a person. */
  public String message() {
    return message;
  }

  /** The original record, as read (a CSV line without its line terminator). */
  public String payload() {
    return payload;
  }

  /** One JSON object, no newline: {@code {"step":..,"source":..,"line":..,"reason":..,...}}. */
  public String toJson() {
    ObjectNode node = JSON.createObjectNode();
    node.put("step", step);
    node.put("source", source);
    if (line == null) {
      node.putNull("line");
    } else {
      node.put("line", line);
    }
    node.put("reason", reason);
    node.put("message", message);
    node.put("payload", payload);
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render failure as JSON", e);
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Failure)) {
      return false;
    }
    Failure f = (Failure) o;
    return step.equals(f.step)
        && source.equals(f.source)
        && Objects.equals(line, f.line)
        && reason.equals(f.reason)
        && message.equals(f.message)
        && payload.equals(f.payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(step, source, line, reason, message, payload);
  }

  @Override
  public String toString() {
    return toJson();
  }

  /** Six fields in order; the line nullable. */
  public static final class FailureCoder extends CustomCoder<Failure> {
    private static final long serialVersionUID = 1L;
    private static final FailureCoder INSTANCE = new FailureCoder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final NullableCoder<Long> LINE = NullableCoder.of(VarLongCoder.of());

    public static FailureCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(Failure.class), INSTANCE);
    }

    @Override
    public void encode(Failure f, OutputStream out) throws IOException {
      STRING.encode(f.step, out);
      STRING.encode(f.source, out);
      LINE.encode(f.line, out);
      STRING.encode(f.reason, out);
      STRING.encode(f.message, out);
      STRING.encode(f.payload, out);
    }

    @Override
    public Failure decode(InputStream in) throws IOException {
      return new Failure(
          STRING.decode(in),
          STRING.decode(in),
          LINE.decode(in),
          STRING.decode(in),
          STRING.decode(in),
          STRING.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
