package dev.strata.pipelines.market.download;

import dev.strata.pipelines.market.download.KaggleDownload.Failed;
import dev.strata.transforms.common.Store;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Unpacks a downloaded archive into the staging folder, trusting nothing in it: every entry is read
 * through its CRC, no entry may land outside the folder, and the folder only changes once the whole
 * archive has unpacked.
 */
final class SafeUnzip {
  private SafeUnzip() {}

  /**
   * Checks every entry (its bytes through the CRC) and unpacks into a fresh temporary folder beside
   * the target, refusing entries that would land outside it; then moves each top-level item into
   * {@code staging}, replacing what was there. On any failure nothing is left behind.
   */
  static List<String> unpack(Path archive, Path staging) throws IOException {
    Path tmp = staging.resolve(".unpack-" + UUID.randomUUID());
    List<String> names = new ArrayList<>();
    try {
      Files.createDirectories(tmp);
      Path root = tmp.toRealPath();
      try (ZipFile zip = new ZipFile(archive.toFile())) {
        Enumeration<? extends ZipEntry> all = zip.entries();
        if (!all.hasMoreElements()) {
          throw new Failed("the archive " + archive.getFileName() + " is empty");
        }
        byte[] buf = new byte[1 << 16];
        while (all.hasMoreElements()) {
          ZipEntry e = all.nextElement();
          String n = e.getName();
          Path target = root.resolve(n).normalize();
          if (n.startsWith("/")
              || n.contains("\\")
              || !target.startsWith(root)
              || target.equals(root)) {
            throw new Failed(
                "the archive has an entry that would land outside its folder: " + printable(n));
          }
          if (e.isDirectory()) {
            Files.createDirectories(target);
            continue;
          }
          Files.createDirectories(target.getParent());
          // ZipFile does not check CRCs itself: every entry is checked here as it is written.
          CRC32 crc = new CRC32();
          long size = 0;
          try (InputStream in = zip.getInputStream(e);
              OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
            int k;
            while ((k = in.read(buf)) > 0) {
              crc.update(buf, 0, k);
              size += k;
              try {
                out.write(buf, 0, k);
              } catch (IOException w) {
                throw Failed.diskFull(target, w);
              }
            }
          } catch (ZipException | EOFException z) {
            throw new Failed(
                "the archive is corrupt: entry " + printable(n) + " (" + z.getMessage() + ")");
          }
          if ((e.getCrc() != -1 && crc.getValue() != e.getCrc())
              || (e.getSize() != -1 && size != e.getSize())) {
            throw new Failed(
                "the archive is corrupt: entry "
                    + printable(n)
                    + " fails its CRC-32 or size check");
          }
          names.add(n);
        }
      } catch (ZipException z) {
        throw new Failed("the archive is not a readable zip file (" + z.getMessage() + ")");
      }
      // Move the top-level items into place, replacing older copies.
      try (var items = Files.list(tmp)) {
        for (Path item : items.toList()) {
          Path dest = staging.resolve(item.getFileName().toString());
          if (Files.exists(dest)) {
            Path old = staging.resolve(".old-" + UUID.randomUUID());
            Files.move(dest, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(item, dest, StandardCopyOption.ATOMIC_MOVE);
            Store.deleteTree(old);
          } else {
            Files.move(item, dest, StandardCopyOption.ATOMIC_MOVE);
          }
        }
      }
      return names;
    } finally {
      Store.deleteTree(tmp);
    }
  }

  private static String printable(String s) {
    return s.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
