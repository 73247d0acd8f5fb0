package dev.strata.transforms.warehouse;

import org.apache.beam.sdk.testing.CoderProperties;
import org.junit.Test;

/** {@link FileLoader.ResultCoder}: round trip of every status, null reason, deterministic. */
public class FileLoaderResultCoderTest {
  @Test
  public void roundTripsAndIsDeterministic() throws Exception {
    FileLoader.ResultCoder coder = FileLoader.ResultCoder.of();
    for (FileLoader.Result r :
        new FileLoader.Result[] {
          new FileLoader.Result("a.parquet", FileLoader.Status.LOADED, 1914, null),
          new FileLoader.Result("b.parquet", FileLoader.Status.REPLACED, 0, null),
          new FileLoader.Result("c.parquet", FileLoader.Status.UNCHANGED, 0, null),
          new FileLoader.Result("d.parquet", FileLoader.Status.REJECTED, 0, "corrupt: not Parquet")
        }) {
      CoderProperties.coderDecodeEncodeEqual(coder, r);
      CoderProperties.coderDeterministic(
          coder, r, new FileLoader.Result(r.file(), r.status(), r.rows(), r.reason()));
    }
    CoderProperties.coderSerializable(coder);
  }
}
