package dev.strata.transforms.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** When a file counts as arrived: the name rules, the stability check, and a real watch. */
public class WatchArrivalsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void namesBeingWrittenOrHiddenAreNeverRead() {
    for (String n : List.of("a.parquet", "part-0001.csv", "x.tmp.parquet", "data_2024.parquet")) {
      assertTrue(n, WatchArrivals.isCandidate(n));
    }
    for (String n :
        List.of(
            ".a.parquet", "_SUCCESS", "_tmp.parquet", "a.parquet.tmp", "a.part", "a.inprogress")) {
      assertFalse(n, WatchArrivals.isCandidate(n));
    }
  }

  /**
   * The check one poll after a version was seen, driven by processing time: a version still current
   * is emitted; a version already replaced on disk waits a poll more and the final one is emitted;
   * the same version seen again is not emitted twice; a file that vanished is not emitted.
   */
  @Test
  public void aVersionIsEmittedOnceItStayedTheSameForOnePoll() throws Exception {
    Path dir = tmp.newFolder("await").toPath();
    Path a = write(dir.resolve("a.parquet"), 10, 1_000_000L);
    Path b = write(dir.resolve("b.parquet"), 10, 2_000_000L);
    Metadata aNow = stat(a);
    Metadata bOld = // what a listing saw while b was still being written
        Metadata.builder()
            .setResourceId(FileSystems.matchNewResource(dir.resolve("b.parquet").toString(), false))
            .setSizeBytes(5)
            .setLastModifiedMillis(1_500_000L)
            .setIsReadSeekEfficient(true)
            .build();
    Metadata gone =
        Metadata.builder()
            .setResourceId(
                FileSystems.matchNewResource(dir.resolve("gone.parquet").toString(), false))
            .setSizeBytes(3)
            .setLastModifiedMillis(1_000L)
            .setIsReadSeekEfficient(true)
            .build();
    Duration poll = Duration.standardSeconds(2);
    TestStream<KV<String, Metadata>> listings =
        TestStream.create(KvCoder.of(StringUtf8Coder.of(), MetadataCoderV2.of()))
            .addElements(kv(aNow), kv(bOld), kv(gone))
            .advanceProcessingTime(poll.plus(Duration.millis(1)))
            .addElements(kv(aNow)) // Watch delivers the version the check has emitted already
            .advanceProcessingTime(poll.plus(Duration.millis(1)))
            .advanceProcessingTime(poll.plus(Duration.millis(1)))
            .advanceWatermarkToInfinity();
    PCollection<String> out =
        p.apply(listings)
            .apply(ParDo.of(new WatchArrivals.AwaitStableFn(poll, null)))
            .setCoder(MetadataCoderV2.of())
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(m -> m.resourceId().getFilename() + ":" + m.sizeBytes()));
    PAssert.that(out).containsInAnyOrder("a.parquet:10", "b.parquet:10");
    p.run().waitUntilFinish();
  }

  static final Map<String, List<Long>> SEEN = new ConcurrentHashMap<>();

  /** Records what arrived, for the test thread (the DirectRunner runs in this JVM). */
  static final class Record extends DoFn<Metadata, Void> {
    private final String run;

    Record(String run) {
      this.run = run;
    }

    @ProcessElement
    public void process(@Element Metadata m) {
      SEEN.computeIfAbsent(
              run + "/" + m.resourceId().getFilename(), k -> new CopyOnWriteArrayList<>())
          .add(m.sizeBytes());
    }
  }

  /**
   * A real watch on the DirectRunner: a file renamed into place arrives once; a file written in
   * place slowly arrives once, whole; hidden and temporary names never arrive; a file changed later
   * arrives again; the stop marker ends the pipeline.
   */
  @Test(timeout = 120_000)
  public void filesArriveWholeOnceAndAgainWhenChanged() throws Exception {
    Path dir = tmp.newFolder("watch").toPath();
    Path marker = tmp.getRoot().toPath().resolve("stop");
    String run = "watch-" + System.nanoTime();
    StreamingOptions o = PipelineOptionsFactory.create().as(StreamingOptions.class);
    o.setStreaming(true);
    org.apache.beam.sdk.Pipeline pipeline = org.apache.beam.sdk.Pipeline.create(o);
    pipeline
        .apply(Create.of(dir + "/*"))
        .apply(WatchArrivals.every(Duration.millis(500)).stoppingAt(marker.toString()))
        .apply(ParDo.of(new Record(run)));
    Thread runner = new Thread(() -> pipeline.run().waitUntilFinish());
    runner.start();

    Path tmpName = dir.resolve(".renamed.parquet.tmp");
    write(tmpName, 100, System.currentTimeMillis());
    Files.move(
        tmpName, dir.resolve("renamed.parquet"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    write(dir.resolve("_SUCCESS"), 1, System.currentTimeMillis());
    write(dir.resolve("half.parquet.part"), 7, System.currentTimeMillis());
    Path slow = dir.resolve("slow.parquet");
    for (int i = 0; i < 8; i++) { // 8 appends 250 ms apart: never still for a 500 ms poll
      Files.write(slow, new byte[10], StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      Thread.sleep(250);
    }
    await(run + "/slow.parquet", 1);
    await(run + "/renamed.parquet", 1);
    Files.write(dir.resolve("renamed.parquet"), new byte[5], StandardOpenOption.APPEND);
    Files.setLastModifiedTime(
        dir.resolve("renamed.parquet"), FileTime.fromMillis(System.currentTimeMillis() + 2_000));
    await(run + "/renamed.parquet", 2);
    Files.createFile(marker);
    runner.join(60_000);
    assertFalse("the stop marker ends the pipeline", runner.isAlive());

    assertEquals(List.of(80L), SEEN.get(run + "/slow.parquet"));
    assertEquals(List.of(100L, 105L), SEEN.get(run + "/renamed.parquet"));
    List<String> names = new ArrayList<>();
    SEEN.keySet().stream().filter(k -> k.startsWith(run + "/")).forEach(names::add);
    assertEquals(2, names.size());
  }

  private static void await(String key, int count) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (SEEN.getOrDefault(key, List.of()).size() < count) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not arrived in 60 s: " + key + " (seen " + SEEN + ")");
      }
      Thread.sleep(50);
    }
  }

  private static KV<String, Metadata> kv(Metadata m) {
    return KV.of(m.resourceId().toString(), m);
  }

  private static Metadata stat(Path f) throws IOException {
    return FileSystems.matchSingleFileSpec(f.toString());
  }

  private static Path write(Path f, int bytes, long mtime) throws IOException {
    Files.write(f, new byte[bytes]);
    Files.setLastModifiedTime(f, FileTime.fromMillis(mtime));
    return f;
  }
}
