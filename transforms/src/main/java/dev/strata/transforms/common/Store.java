package dev.strata.transforms.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * The launcher's file I/O, through Beam's {@link FileSystems}: the same calls serve local paths,
 * {@code gs://} and any scheme a registrar adds, so the code that lists inputs, counts rows and
 * publishes a stage's output does not change with where the data lives.
 *
 * <p>Two publishing strategies, chosen by scheme. A local directory is swapped into place by atomic
 * renames. An object store (every other scheme) has no directories to rename: the stage's objects
 * are moved one by one under the final prefix, after the old manifest was deleted and before the
 * new one is written, so the manifest is the commit point. A reader (or the next stage) that checks
 * for the manifest never sees half a stage; one that reads the prefix without it may.
 */
public final class Store {
  private Store() {}

  /** A directory, from an option value: a local path, {@code gs://bucket/prefix}, etc. */
  public static ResourceId dir(String spec) {
    return FileSystems.matchNewResource(spec, true);
  }

  /**
   * Fails unless {@code output} lies outside {@code input}: equal to it, or inside it (inside the
   * fixed folders before the first wildcard of a glob), a rerun would read the job's own output as
   * input. Paths are compared after making local ones absolute and normal.
   */
  public static void requireOutputOutsideInput(String input, String output) {
    String in = normal(globRoot(input));
    String out = normal(output);
    if (out.equals(in) || out.startsWith(in.endsWith("/") ? in : in + "/")) {
      throw new IllegalArgumentException(
          "--output "
              + output
              + " is inside --input "
              + input
              + ": a rerun would read the job's own output as input; choose an --output outside"
              + " it");
    }
  }

  /**
   * Fails unless {@code dir}, given as {@code --option value}, is an existing local directory,
   * saying whether it does not exist or is a file, then {@code hint}. An object-store prefix is not
   * checked: it has no directories to look at.
   */
  public static void requireLocalDirectory(
      String option, String value, ResourceId dir, String hint) {
    if (isLocal(dir) && !Files.isDirectory(local(dir))) {
      throw new IllegalArgumentException(
          option
              + " "
              + value
              + (Files.exists(local(dir)) ? " is a file" : " does not exist")
              + ": "
              + hint);
    }
  }

  /** The fixed part of a glob: everything before the folder holding its first wildcard. */
  static String globRoot(String pattern) {
    int wildcard = -1;
    for (char c : new char[] {'*', '?', '[', '{'}) {
      int i = pattern.indexOf(c);
      if (i >= 0 && (wildcard < 0 || i < wildcard)) {
        wildcard = i;
      }
    }
    return wildcard < 0 ? pattern : pattern.substring(0, pattern.lastIndexOf('/', wildcard) + 1);
  }

  private static String normal(String spec) {
    if (spec.contains("://")) {
      return spec.replaceAll("/+$", "");
    }
    return Path.of(spec.isEmpty() ? "." : spec).toAbsolutePath().normalize().toString();
  }

  /** {@code dir} as a string without its trailing separator, to append {@code /name} to. */
  public static String str(ResourceId dir) {
    String s = dir.toString();
    return s.endsWith("/") && !s.endsWith("//") ? s.substring(0, s.length() - 1) : s;
  }

  public static ResourceId file(ResourceId dir, String name) {
    return dir.resolve(name, StandardResolveOptions.RESOLVE_FILE);
  }

  public static ResourceId sub(ResourceId dir, String name) {
    return dir.resolve(name, StandardResolveOptions.RESOLVE_DIRECTORY);
  }

  public static boolean isLocal(ResourceId r) {
    return "file".equals(r.getScheme());
  }

  /** The local path of a {@code file} resource. */
  public static Path local(ResourceId r) {
    if (!isLocal(r)) {
      throw new IllegalArgumentException(r + " is not on the local file system");
    }
    return Path.of(str(r));
  }

  /** Files matching a glob ({@code *} within a directory, {@code **} across), sorted by name. */
  public static List<MatchResult.Metadata> match(String glob) throws IOException {
    if (!glob.contains("://") && globRoot(glob).equals(glob) && !Files.exists(Path.of(glob))) {
      // Beam's local file system reads a path that does not exist as a glob and walks its
      // parent's whole tree looking for it: from "/nonexistent" that is every file of the machine.
      return List.of();
    }
    MatchResult m = FileSystems.match(glob, EmptyMatchTreatment.ALLOW);
    if (m.status() == MatchResult.Status.NOT_FOUND) {
      return List.of();
    }
    if (m.status() != MatchResult.Status.OK) {
      throw new IOException("cannot list " + glob + ": " + m.status());
    }
    List<MatchResult.Metadata> files = new ArrayList<>();
    for (MatchResult.Metadata md : m.metadata()) {
      if (!md.resourceId().isDirectory()) {
        files.add(md);
      }
    }
    files.sort(Comparator.comparing(md -> md.resourceId().toString()));
    return files;
  }

  /**
   * The files directly in {@code dir} whose names end with {@code suffix}, sorted. A local
   * directory is listed as such (Beam's local glob would walk every subdirectory, and read a
   * directory name holding {@code [*?} as a pattern).
   */
  public static List<MatchResult.Metadata> list(ResourceId dir, String suffix) throws IOException {
    if (!isLocal(dir)) {
      return match(str(dir) + "/*" + suffix);
    }
    Path local = local(dir);
    if (!Files.isDirectory(local)) {
      return List.of();
    }
    List<MatchResult.Metadata> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(local)) {
      for (Path f : s.sorted().toList()) {
        if (f.getFileName().toString().endsWith(suffix) && Files.isRegularFile(f)) {
          files.add(localMetadata(f));
        }
      }
    }
    files.sort(Comparator.comparing(md -> md.resourceId().toString()));
    return files;
  }

  private static MatchResult.Metadata localMetadata(Path f) throws IOException {
    return MatchResult.Metadata.builder()
        .setResourceId(FileSystems.matchNewResource(f.toAbsolutePath().toString(), false))
        .setSizeBytes(Files.size(f))
        .setLastModifiedMillis(Files.getLastModifiedTime(f).toMillis())
        .setIsReadSeekEfficient(true)
        .build();
  }

  /** Every file under {@code dir}, at any depth. */
  public static List<MatchResult.Metadata> tree(ResourceId dir) throws IOException {
    return match(str(dir) + "/**");
  }

  public static List<ResourceId> ids(List<MatchResult.Metadata> files) {
    return files.stream().map(MatchResult.Metadata::resourceId).toList();
  }

  /** The file's metadata, or null if there is no such file. */
  public static MatchResult.Metadata stat(ResourceId file) throws IOException {
    if (isLocal(file)) {
      Path p = local(file);
      return Files.isRegularFile(p) ? localMetadata(p) : null;
    }
    for (MatchResult.Metadata md : match(file.toString())) {
      if (md.resourceId().toString().equals(file.toString())) {
        return md;
      }
    }
    return null;
  }

  public static boolean exists(ResourceId file) throws IOException {
    return stat(file) != null;
  }

  public static InputStream open(ResourceId file) throws IOException {
    return Channels.newInputStream(FileSystems.open(file));
  }

  public static byte[] read(ResourceId file) throws IOException {
    try (InputStream in = open(file)) {
      return in.readAllBytes();
    }
  }

  /** Opens a file for random access (local files and GCS objects both allow it). */
  public static SeekableByteChannel openSeekable(ResourceId file) throws IOException {
    ReadableByteChannel ch = FileSystems.open(file);
    if (ch instanceof SeekableByteChannel seekable) {
      return seekable;
    }
    ch.close();
    throw new IOException(file + ": its file system cannot seek");
  }

  /** Writes a whole file: atomically by rename on a local disk; an object appears on close. */
  public static void write(ResourceId file, byte[] bytes) throws IOException {
    if (isLocal(file)) {
      Path target = local(file);
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
      Files.write(tmp, bytes);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    try (WritableByteChannel ch = FileSystems.create(file, MimeTypes.BINARY);
        OutputStream out = Channels.newOutputStream(ch)) {
      out.write(bytes);
    }
  }

  /** What writes a file's bytes to a channel, for {@link #write(ResourceId, ChannelWriter)}. */
  public interface ChannelWriter {
    void write(WritableByteChannel channel) throws IOException;
  }

  /**
   * Writes a whole file by streaming it to a channel, committed like {@link #write(ResourceId,
   * byte[])}: locally a hidden temporary file in the same folder renamed into place, so readers see
   * the old or the new file; an object store makes an object visible only when it is closed. If
   * {@code writer} fails, nothing is left behind and the old file stays.
   */
  public static void write(ResourceId file, ChannelWriter writer) throws IOException {
    if (isLocal(file)) {
      Path target = local(file);
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
      try {
        try (WritableByteChannel ch =
            Files.newByteChannel(
                tmp,
                java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
          writer.write(ch);
        }
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return;
    }
    try (WritableByteChannel ch = FileSystems.create(file, MimeTypes.BINARY)) {
      writer.write(ch);
    }
  }

  /**
   * Deletes files that may not exist. An empty local folder left behind by the last one is not
   * removed; object stores have no folders.
   */
  public static void deleteIfExists(ResourceId... files) throws IOException {
    List<ResourceId> objects = new ArrayList<>();
    for (ResourceId f : files) {
      if (isLocal(f)) {
        Files.deleteIfExists(local(f));
      } else {
        objects.add(f);
      }
    }
    if (!objects.isEmpty()) {
      FileSystems.delete(
          objects, org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    }
  }

  /** Copies a local file to {@code dst} (of any scheme). */
  public static void upload(Path src, ResourceId dst) throws IOException {
    try (WritableByteChannel ch = FileSystems.create(dst, MimeTypes.BINARY);
        OutputStream out = Channels.newOutputStream(ch)) {
      Files.copy(src, out);
    }
  }

  /** Makes a directory where directories exist (locally); object stores need none. */
  public static void createDirectory(ResourceId dir) throws IOException {
    if (isLocal(dir)) {
      Files.createDirectories(local(dir));
    }
  }

  /** Deletes {@code dir} and everything under it; nothing if it does not exist. */
  public static void deleteTree(ResourceId dir) throws IOException {
    if (isLocal(dir)) {
      deleteTree(local(dir));
      return;
    }
    // No IGNORE_MISSING_FILES: it would stat every object first; GCS ignores a missing one anyway.
    FileSystems.delete(ids(tree(dir)));
  }

  /** Deletes a local directory and everything under it; nothing if it does not exist. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  /**
   * Puts the contents of {@code fresh} in place of {@code target}'s and removes {@code fresh}.
   * Locally by atomic directory renames; on an object store by deleting the target's objects and
   * renaming each fresh object under the target prefix (not atomic: callers commit with a manifest
   * written afterwards).
   */
  public static void replace(ResourceId fresh, ResourceId target) throws IOException {
    if (isLocal(fresh) && isLocal(target)) {
      replaceDirectory(local(fresh), local(target));
      return;
    }
    deleteTree(target);
    String from = str(fresh) + "/";
    List<ResourceId> src = new ArrayList<>();
    List<ResourceId> dst = new ArrayList<>();
    for (MatchResult.Metadata md : tree(fresh)) {
      String rel = md.resourceId().toString().substring(from.length());
      ResourceId d = target;
      String[] parts = rel.split("/");
      for (int i = 0; i < parts.length - 1; i++) {
        d = sub(d, parts[i]);
      }
      src.add(md.resourceId());
      dst.add(file(d, parts[parts.length - 1]));
    }
    if (!src.isEmpty()) {
      FileSystems.rename(src, dst);
    }
  }

  private static void replaceDirectory(Path fresh, Path target) throws IOException {
    if (Files.exists(target)) {
      Path old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
      deleteTree(old);
    } else {
      Files.createDirectories(target.getParent());
      Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }
}
