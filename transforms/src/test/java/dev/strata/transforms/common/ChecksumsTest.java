package dev.strata.transforms.common;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** {@link Checksums}: the FIPS 180-2 test vector, and the same digest from bytes and a channel. */
public class ChecksumsTest {
  @Test
  public void knownVectorAndBothPathsAgree() throws Exception {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    String expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assertEquals(expected, Checksums.sha256(abc));
    assertEquals(
        expected, Checksums.sha256(() -> Channels.newChannel(new ByteArrayInputStream(abc))));
    byte[] big = new byte[200_000]; // more than one 64 KiB read
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    assertEquals(
        Checksums.sha256(big),
        Checksums.sha256(() -> Channels.newChannel(new ByteArrayInputStream(big))));
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Checksums.sha256(new byte[0]));
  }
}
