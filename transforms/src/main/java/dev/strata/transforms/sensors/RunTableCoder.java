package dev.strata.transforms.sensors;

import dev.strata.transforms.common.ColumnCoding;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.EnumSet;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Encodes a {@link RunTable}: run, step, grid times and each of the {@link
 * SensorsParquet#RUN_COLUMNS} as a packed array (absent columns as length -1, {@link
 * ColumnCoding}), the missing signals as a bit set, then the counts. Deterministic: equal tables
 * encode to equal bytes. One element is a whole run (often 10^5 grid points x 30 columns), which is
 * why it is columnar.
 */
public final class RunTableCoder extends CustomCoder<RunTable> {
  private static final long serialVersionUID = 1L;
  private static final RunTableCoder INSTANCE = new RunTableCoder();

  public static RunTableCoder of() {
    return INSTANCE;
  }

  /** Lets {@code @DefaultCoder} find the coder. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(RunTable.class), INSTANCE);
  }

  @Override
  public void encode(RunTable t, OutputStream outStream) throws IOException {
    if (t == null) {
      throw new CoderException("cannot encode a null RunTable");
    }
    DataOutputStream out = new DataOutputStream(outStream);
    ColumnCoding.writeString(out, t.runUuid());
    out.writeLong(t.stepNanos());
    ColumnCoding.writeLongs(out, t.times());
    double[][] columns = t.columns();
    out.writeInt(columns.length);
    for (double[] c : columns) {
      ColumnCoding.writeDoubles(out, c);
    }
    int missing = 0;
    for (Signal s : t.missing()) {
      missing |= 1 << s.ordinal();
    }
    out.writeInt(missing);
    out.writeLong(t.pointsDropped());
    ColumnCoding.writeLongs(out, t.samples());
    out.writeLong(t.firstReading());
    out.writeLong(t.lastReading());
    out.writeLong(t.spikes());
    out.flush();
  }

  @Override
  public RunTable decode(InputStream inStream) throws IOException {
    DataInputStream in = new DataInputStream(inStream);
    String run = ColumnCoding.readString(in);
    long step = in.readLong();
    long[] time = ColumnCoding.readLongs(in);
    int n = in.readInt();
    if (n < 0 || n > 1024) {
      throw new CoderException("invalid column count " + n);
    }
    double[][] columns = new double[n][];
    for (int c = 0; c < n; c++) {
      columns[c] = ColumnCoding.readDoubles(in);
    }
    int bits = in.readInt();
    EnumSet<Signal> missing = EnumSet.noneOf(Signal.class);
    for (Signal s : Signal.ALL) {
      if ((bits & (1 << s.ordinal())) != 0) {
        missing.add(s);
      }
    }
    long dropped = in.readLong();
    long[] samples = ColumnCoding.readLongs(in);
    long first = in.readLong();
    long last = in.readLong();
    long spikes = in.readLong();
    if (time == null || samples == null) {
      throw new CoderException("a RunTable column is missing");
    }
    return new RunTable(run, step, time, columns, missing, dropped, samples, first, last, spikes);
  }

  @Override
  public void verifyDeterministic() {}

  /** Stateless: every instance is the same coder (also after serialization). */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RunTableCoder;
  }

  @Override
  public int hashCode() {
    return RunTableCoder.class.hashCode();
  }
}
