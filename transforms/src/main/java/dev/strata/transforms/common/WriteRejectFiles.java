package dev.strata.transforms.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Writes each {@link Failure} to its own JSON file in a directory of any Beam file system ({@link
 * Store#write}: a local file by rename, an object whole on close): the same reject written twice (a
 * replay) is the same file, so rejects stay exact on unbounded input, where {@link WriteFailures}'
 * {@code TextIO} cannot write. The name is the source file's name plus hashes of the source path
 * and of the reject itself.
 */
public final class WriteRejectFiles extends DoFn<Failure, Void> {
  private final String dir;

  private WriteRejectFiles(String dir) {
    this.dir = dir;
  }

  /** Rejects to files in {@code dir}: a local directory or an object-store prefix. */
  public static WriteRejectFiles to(String dir) {
    return new WriteRejectFiles(dir);
  }

  @ProcessElement
  public void process(@Element Failure f) throws IOException {
    write(Store.dir(dir), f);
  }

  /**
   * The file name of a reject: the source file's name, then hashes of the reject and of the source
   * path, {@code .json}. The same reject always gets the same name, so a replay rewrites it.
   */
  public static String fileName(Failure f) {
    String source = f.source() == null ? "unknown" : f.source();
    String name = source.substring(source.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
    return name
        + "."
        + Integer.toHexString(f.toJson().hashCode())
        + "-"
        + Integer.toHexString(source.hashCode())
        + ".json";
  }

  /** Writes one reject to {@code dir} (idempotent); returns its file. */
  public static ResourceId write(ResourceId dir, Failure f) throws IOException {
    ResourceId target = Store.file(dir, fileName(f));
    Store.write(target, (f.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    return target;
  }
}
