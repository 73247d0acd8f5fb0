package dev.strata.transforms.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The project's one file checksum: SHA-256 as 64 lower-case hex digits. The warehouse ledger keys
 * file versions by it, the warehouse verify compares with it, the market download records it.
 */
public final class Checksums {
  private Checksums() {}

  /** Opens the bytes to hash, from the start; the channel is closed after reading. */
  @FunctionalInterface
  public interface Opener {
    ReadableByteChannel open() throws IOException;
  }

  /** The SHA-256 of everything {@code open} gives, read in 64 KiB steps. */
  public static String sha256(Opener open) throws IOException {
    try (ReadableByteChannel ch = open.open()) {
      MessageDigest md = sha256();
      ByteBuffer b = ByteBuffer.allocate(1 << 16);
      while (ch.read(b) > 0) {
        b.flip();
        md.update(b);
        b.clear();
      }
      return HexFormat.of().formatHex(md.digest());
    }
  }

  /** The SHA-256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
