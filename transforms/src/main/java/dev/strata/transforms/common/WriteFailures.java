package dev.strata.transforms.common;

import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Writes failures as JSON lines to {@code <directory>/rejected-SSSSS-of-NNNNN.jsonl}: one file,
 * since rejects are few. An empty input still writes one empty file, so "no rejects" is visible on
 * disk. Bounded input only.
 */
public final class WriteFailures extends PTransform<PCollection<Failure>, PDone> {
  private final String directory;

  private WriteFailures(String directory) {
    this.directory = directory;
  }

  public static WriteFailures to(String directory) {
    if (directory == null || directory.isEmpty()) {
      throw new IllegalArgumentException(
          "directory must be a non-empty path, but was " + directory);
    }
    return new WriteFailures(directory);
  }

  @Override
  public PDone expand(PCollection<Failure> failures) {
    return failures
        .apply("ToJson", MapElements.into(TypeDescriptors.strings()).via(Failure::toJson))
        .apply(
            "WriteJsonLines",
            TextIO.write()
                .to(directory.endsWith("/") ? directory + "rejected" : directory + "/rejected")
                .withSuffix(".jsonl")
                .withNumShards(1));
  }
}
