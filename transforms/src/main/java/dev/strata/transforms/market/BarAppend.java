package dev.strata.transforms.market;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * Rows appended to a bar file since it was last ingested: bytes {@code [from, to)} of {@code path}
 * (whole lines: {@code to} is just after a newline), the file's first {@code linesBefore} lines
 * already ingested, and {@code lastDay}, the last date (epoch day) its symbol has in {@code raw/}.
 * The element of {@link ParseBarFiles#appended}; {@link Coder} is its deterministic coder.
 */
public record BarAppend(String path, long from, long to, long linesBefore, int lastDay)
    implements Serializable {

  /** Fields in order, each fixed-width or length-prefixed: deterministic. */
  public static final class Coder extends CustomCoder<BarAppend> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(BarAppend a, OutputStream out) throws IOException {
      DataOutputStream d = new DataOutputStream(out);
      d.writeUTF(a.path());
      d.writeLong(a.from());
      d.writeLong(a.to());
      d.writeLong(a.linesBefore());
      d.writeInt(a.lastDay());
      d.flush();
    }

    @Override
    public BarAppend decode(InputStream in) throws IOException {
      DataInputStream d = new DataInputStream(in);
      return new BarAppend(d.readUTF(), d.readLong(), d.readLong(), d.readLong(), d.readInt());
    }

    @Override
    public void verifyDeterministic() {}
  }
}
