package dev.strata.transforms.sensors;

import dev.strata.transforms.common.ColumnCoding;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Encodes a {@link RunStatistics} field by field in declaration order (strings and arrays as {@link
 * ColumnCoding} writes them, doubles as {@link Double#doubleToLongBits}). Deterministic: equal
 * statistics encode to equal bytes.
 */
public final class RunStatisticsCoder extends CustomCoder<RunStatistics> {
  private static final long serialVersionUID = 1L;
  private static final RunStatisticsCoder INSTANCE = new RunStatisticsCoder();

  public static RunStatisticsCoder of() {
    return INSTANCE;
  }

  /** Lets {@code @DefaultCoder} find the coder. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(RunStatistics.class), INSTANCE);
  }

  @Override
  public void encode(RunStatistics s, OutputStream outStream) throws IOException {
    if (s == null) {
      throw new CoderException("cannot encode a null RunStatistics");
    }
    DataOutputStream out = new DataOutputStream(outStream);
    ColumnCoding.writeString(out, s.runUuid);
    out.writeLong(s.startNanos);
    out.writeLong(s.stopNanos);
    out.writeLong(Double.doubleToLongBits(s.runtimeSeconds));
    ColumnCoding.writeDoubles(out, s.distanceMm);
    out.writeLong(Double.doubleToLongBits(s.totalDistanceMm));
    ColumnCoding.writeLongs(out, s.samples);
    ColumnCoding.writeString(out, s.missingSignals);
    ColumnCoding.writeDoubles(out, s.maxForce);
    ColumnCoding.writeDoubles(out, s.meanSpeed);
    ColumnCoding.writeDoubles(out, s.maxSpeed);
    out.writeLong(s.gridPoints);
    out.writeLong(s.gridPointsDropped);
    out.writeLong(s.spikes);
    out.writeLong(s.sourceFiles);
    out.writeLong(s.recomputedAtMicros);
    out.flush();
  }

  @Override
  public RunStatistics decode(InputStream inStream) throws IOException {
    DataInputStream in = new DataInputStream(inStream);
    return new RunStatistics(
        ColumnCoding.readString(in),
        in.readLong(),
        in.readLong(),
        Double.longBitsToDouble(in.readLong()),
        ColumnCoding.readDoubles(in),
        Double.longBitsToDouble(in.readLong()),
        ColumnCoding.readLongs(in),
        ColumnCoding.readString(in),
        ColumnCoding.readDoubles(in),
        ColumnCoding.readDoubles(in),
        ColumnCoding.readDoubles(in),
        in.readLong(),
        in.readLong(),
        in.readLong(),
        in.readLong(),
        in.readLong());
  }

  @Override
  public void verifyDeterministic() {}

  /** Stateless: every instance is the same coder (also after serialization). */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RunStatisticsCoder;
  }

  @Override
  public int hashCode() {
    return RunStatisticsCoder.class.hashCode();
  }
}
