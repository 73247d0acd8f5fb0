package dev.strata.pipelines.market.download;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The unpack on its own, on archives placed where the download keeps them ({@code
 * <staging>/.download/}): a damaged or hostile archive is refused and nothing is unpacked.
 */
public class SafeUnzipTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static byte[] zipOf(String name, byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("symbols_valid_meta.csv"));
      zip.write("Symbol\n".getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry(name));
      zip.write(content);
      zip.closeEntry();
    }
    return bytes.toByteArray();
  }

  static Path downloaded(Path staging, byte[] archive) throws IOException {
    Path file = Files.createDirectories(staging.resolve(".download")).resolve("archive.zip");
    Files.write(file, archive);
    return file;
  }

  static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  public void anEntryFailingItsCrcIsRefusedAndNothingIsUnpacked() throws Exception {
    // a well-formed zip with a damaged entry: its bytes fail their CRC
    byte[] data = new byte[100_000];
    new Random(4).nextBytes(data);
    byte[] flipped = zipOf("stocks/A.csv", data);
    flipped[flipped.length / 2] ^= 0x55;
    Path staging = tmp.newFolder("corrupt").toPath();
    Path archive = downloaded(staging, flipped);
    KaggleDownload.Failed e =
        assertThrows(KaggleDownload.Failed.class, () -> SafeUnzip.unpack(archive, staging));
    assertTrue(e.getMessage(), e.getMessage().contains("corrupt"));
    assertEquals(List.of(".download"), names(staging));
  }

  @Test
  public void anEntryEscapingTheFolderIsRefused() throws Exception {
    Path parent = tmp.newFolder("slip").toPath();
    Path staging = Files.createDirectories(parent.resolve("staging"));
    Path archive =
        downloaded(staging, zipOf("../escaped.csv", "x".getBytes(StandardCharsets.UTF_8)));
    KaggleDownload.Failed e =
        assertThrows(KaggleDownload.Failed.class, () -> SafeUnzip.unpack(archive, staging));
    assertTrue(e.getMessage(), e.getMessage().contains("outside its folder: ../escaped.csv"));
    assertFalse(Files.exists(parent.resolve("escaped.csv")));
    assertEquals(List.of(".download"), names(staging));
  }
}
