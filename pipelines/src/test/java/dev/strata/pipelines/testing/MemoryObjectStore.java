package dev.strata.pipelines.testing;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystem;
import org.apache.beam.sdk.io.FileSystemRegistrar;
import org.apache.beam.sdk.io.fs.CreateOptions;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A Beam {@link FileSystem} for the scheme {@code mem://} with object-store semantics, for tests: a
 * flat map of object names to bytes in this JVM. There are no directories (a "directory" is a name
 * prefix, matching one is NOT_FOUND), an object becomes visible only when its writer closes, a
 * rename is a copy and a delete, and globs follow GCS ({@code *} within a segment, {@code **}
 * across). It is what makes the launcher's object-store paths testable without a cloud account: the
 * DirectRunner and embedded Flink run in this JVM and reach it through Beam's FileSystems, like
 * Dataflow workers reach {@code gs://}.
 */
public final class MemoryObjectStore extends FileSystem<MemoryObjectStore.Id> {
  public static final String SCHEME = "mem";
  private static final Map<String, Stored> OBJECTS = new ConcurrentSkipListMap<>();

  private record Stored(byte[] bytes, long modifiedMillis) {}

  /** The object names under {@code prefix}, e.g. {@code mem://bucket/out/}. */
  public static List<String> names(String prefix) {
    return OBJECTS.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
  }

  /** Copies the objects under {@code prefix} to files under {@code dir}; returns {@code dir}. */
  public static java.nio.file.Path download(String prefix, java.nio.file.Path dir)
      throws IOException {
    for (String name : names(prefix)) {
      java.nio.file.Path f = dir.resolve(name.substring(prefix.length()));
      java.nio.file.Files.createDirectories(f.getParent());
      java.nio.file.Files.write(f, get(name));
    }
    return dir;
  }

  public static void clear(String prefix) {
    OBJECTS.keySet().removeIf(k -> k.startsWith(prefix));
  }

  public static void put(String name, byte[] bytes) {
    OBJECTS.put(name, new Stored(bytes.clone(), System.currentTimeMillis()));
  }

  private static final java.util.concurrent.atomic.AtomicInteger RENAMES_BEFORE_FAILURE =
      new java.util.concurrent.atomic.AtomicInteger(-1);

  /**
   * Makes renames fail (an IOException, as on a lost connection) after {@code n} more objects were
   * renamed; -1 turns it off.
   */
  public static void failRenamesAfter(int n) {
    RENAMES_BEFORE_FAILURE.set(n);
  }

  public static byte[] get(String name) {
    Stored s = OBJECTS.get(name);
    return s == null ? null : s.bytes.clone();
  }

  /** Registered through {@code META-INF/services} on the test class path. */
  public static final class Registrar implements FileSystemRegistrar {
    @Override
    public Iterable<FileSystem<?>> fromOptions(PipelineOptions options) {
      return List.of(new MemoryObjectStore());
    }
  }

  /** An object name, or a prefix ending in {@code /} when it stands for a directory. */
  public static final class Id implements ResourceId {
    private static final long serialVersionUID = 1L;
    private final String name;

    Id(String name) {
      this.name = name;
    }

    @Override
    public ResourceId resolve(String other, ResolveOptions how) {
      if (!isDirectory()) {
        throw new IllegalStateException("cannot resolve " + other + " against a file: " + name);
      }
      if (how == ResolveOptions.StandardResolveOptions.RESOLVE_DIRECTORY) {
        return new Id(name + other + (other.endsWith("/") ? "" : "/"));
      }
      if (other.endsWith("/")) {
        throw new IllegalArgumentException("a file name cannot end with '/': " + other);
      }
      return new Id(name + other);
    }

    @Override
    public ResourceId getCurrentDirectory() {
      return isDirectory() ? this : new Id(name.substring(0, name.lastIndexOf('/') + 1));
    }

    @Override
    public String getScheme() {
      return SCHEME;
    }

    @Override
    public String getFilename() {
      String s = isDirectory() ? name.substring(0, name.length() - 1) : name;
      String last = s.substring(s.lastIndexOf('/') + 1);
      return last.isEmpty() ? null : last;
    }

    @Override
    public boolean isDirectory() {
      return name.endsWith("/");
    }

    @Override
    public String toString() {
      return name;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Id other && other.name.equals(name);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }
  }

  @Override
  protected List<MatchResult> match(List<String> specs) {
    List<MatchResult> results = new ArrayList<>();
    for (String spec : specs) {
      List<MatchResult.Metadata> found = new ArrayList<>();
      if (spec.matches(".*[*?\\[].*")) {
        Pattern p = Pattern.compile(globToRegex(spec));
        OBJECTS.forEach(
            (k, v) -> {
              if (p.matcher(k).matches()) {
                found.add(metadata(k, v));
              }
            });
      } else if (OBJECTS.containsKey(spec)) {
        found.add(metadata(spec, OBJECTS.get(spec)));
      }
      // as GCS: a glob matching nothing is OK and empty, a missing object NOT_FOUND
      results.add(
          found.isEmpty() && !spec.matches(".*[*?\\[].*")
              ? MatchResult.create(
                  MatchResult.Status.NOT_FOUND, new FileNotFoundException("no object " + spec))
              : MatchResult.create(MatchResult.Status.OK, found));
    }
    return results;
  }

  private static MatchResult.Metadata metadata(String name, Stored s) {
    return MatchResult.Metadata.builder()
        .setResourceId(new Id(name))
        .setSizeBytes(s.bytes.length)
        .setLastModifiedMillis(s.modifiedMillis)
        .setIsReadSeekEfficient(true)
        .build();
  }

  static String globToRegex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else if (c == '[' || c == ']') {
        re.append(c); // a character class, as in GCS's globs
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return re.toString();
  }

  @Override
  protected WritableByteChannel create(Id id, CreateOptions options) {
    if (id.isDirectory()) {
      throw new IllegalArgumentException("cannot create an object named like a directory: " + id);
    }
    return new WritableByteChannel() {
      private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      private boolean open = true;

      @Override
      public int write(ByteBuffer src) throws IOException {
        if (!open) {
          throw new ClosedChannelException();
        }
        int n = src.remaining();
        byte[] b = new byte[n];
        src.get(b);
        buffer.write(b);
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() {
        if (open) {
          open = false;
          OBJECTS.put(id.name, new Stored(buffer.toByteArray(), System.currentTimeMillis()));
        }
      }
    };
  }

  @Override
  protected ReadableByteChannel open(Id id) throws IOException {
    Stored s = OBJECTS.get(id.name);
    if (s == null) {
      throw new FileNotFoundException("no object " + id);
    }
    return new ReadChannel(s.bytes);
  }

  @Override
  protected void copy(List<Id> src, List<Id> dst) throws IOException {
    for (int i = 0; i < src.size(); i++) {
      Stored s = OBJECTS.get(src.get(i).name);
      if (s == null) {
        throw new FileNotFoundException("no object " + src.get(i));
      }
      OBJECTS.put(dst.get(i).name, new Stored(s.bytes, System.currentTimeMillis()));
    }
  }

  @Override
  protected void rename(List<Id> src, List<Id> dst, MoveOptions... options) throws IOException {
    for (int i = 0; i < src.size(); i++) {
      if (RENAMES_BEFORE_FAILURE.get() >= 0 && RENAMES_BEFORE_FAILURE.getAndDecrement() == 0) {
        RENAMES_BEFORE_FAILURE.set(-1);
        throw new IOException("injected: connection lost while renaming " + src.get(i));
      }
      Stored s = OBJECTS.get(src.get(i).name);
      if (s == null) {
        if (List.of(options).contains(MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES)) {
          continue;
        }
        throw new FileNotFoundException("no object " + src.get(i));
      }
      OBJECTS.put(dst.get(i).name, new Stored(s.bytes, System.currentTimeMillis()));
      OBJECTS.remove(src.get(i).name);
    }
  }

  @Override
  protected void delete(Collection<Id> ids) {
    for (Id id : ids) {
      OBJECTS.remove(id.name);
    }
  }

  @Override
  protected Id matchNewResource(String spec, boolean isDirectory) {
    if (!spec.startsWith(SCHEME + "://")) {
      throw new IllegalArgumentException("not a " + SCHEME + ":// name: " + spec);
    }
    if (isDirectory) {
      return new Id(spec.endsWith("/") ? spec : spec + "/");
    }
    if (spec.endsWith("/")) {
      throw new IllegalArgumentException("a file name cannot end with '/': " + spec);
    }
    return new Id(spec);
  }

  @Override
  protected String getScheme() {
    return SCHEME;
  }

  private static final class ReadChannel implements SeekableByteChannel {
    private final byte[] bytes;
    private long position;
    private boolean open = true;

    ReadChannel(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      if (position >= bytes.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), bytes.length - position);
      dst.put(bytes, (int) position, n);
      position += n;
      return n;
    }

    @Override
    public int write(ByteBuffer src) {
      throw new NonWritableChannelException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
      position = newPosition;
      return this;
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }
}
