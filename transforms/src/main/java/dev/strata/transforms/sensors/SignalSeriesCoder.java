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
 * Encodes a {@link SignalSeries} as run, signal, then its columns as packed arrays ({@link
 * ColumnCoding}): times, values, the distinct sources with each reading's index into them, lines,
 * and the spike flags (absent when none were ever set). Every field is kept, including those {@link
 * SignalSeries#equals} does not compare, and equal series encode to equal bytes. About 25 bytes per
 * reading; one element carries a whole piece of a file, so a per-row coder would cost more than the
 * readings.
 */
public final class SignalSeriesCoder extends CustomCoder<SignalSeries> {
  private static final long serialVersionUID = 1L;
  private static final SignalSeriesCoder INSTANCE = new SignalSeriesCoder();

  public static SignalSeriesCoder of() {
    return INSTANCE;
  }

  /** Lets {@code @DefaultCoder} find the coder. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(SignalSeries.class), INSTANCE);
  }

  @Override
  public void encode(SignalSeries s, OutputStream outStream) throws IOException {
    if (s == null) {
      throw new CoderException("cannot encode a null SignalSeries");
    }
    DataOutputStream out = new DataOutputStream(outStream);
    ColumnCoding.writeString(out, s.runUuid());
    out.writeByte(s.signal().ordinal());
    ColumnCoding.writeLongs(out, s.times());
    ColumnCoding.writeDoubles(out, s.values());
    ColumnCoding.writeStrings(out, s.sources());
    ColumnCoding.writeInts(out, s.sourceIndex());
    ColumnCoding.writeLongs(out, s.lines());
    ColumnCoding.writeBooleans(out, s.spikes());
    out.flush();
  }

  @Override
  public SignalSeries decode(InputStream inStream) throws IOException {
    DataInputStream in = new DataInputStream(inStream);
    String run = ColumnCoding.readString(in);
    int signal = in.readByte();
    if (signal < 0 || signal >= Signal.ALL.size()) {
      throw new CoderException("no signal " + signal);
    }
    long[] times = ColumnCoding.readLongs(in);
    double[] values = ColumnCoding.readDoubles(in);
    String[] sources = ColumnCoding.readStrings(in);
    int[] sourceIndex = ColumnCoding.readInts(in);
    long[] lines = ColumnCoding.readLongs(in);
    boolean[] spikes = ColumnCoding.readBooleans(in);
    if (times == null || values == null || sourceIndex == null || lines == null) {
      throw new CoderException("a SignalSeries column is missing");
    }
    return new SignalSeries(
        run, Signal.ALL.get(signal), times, values, sources, sourceIndex, lines, spikes);
  }

  @Override
  public void verifyDeterministic() {}

  /** Stateless: every instance is the same coder (also after serialization). */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SignalSeriesCoder;
  }

  @Override
  public int hashCode() {
    return SignalSeriesCoder.class.hashCode();
  }
}
