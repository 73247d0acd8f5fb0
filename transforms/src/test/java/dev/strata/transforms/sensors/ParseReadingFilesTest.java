package dev.strata.transforms.sensors;

import static org.junit.Assert.assertEquals;

import dev.strata.transforms.common.Failure;
import java.nio.file.Path;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.testing.NeedsRunner;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/**
 * {@link ParseReadingFiles} on {@code ParseReadingFilesTest/readings.csv}: four valid rows (lines
 * 2-5: two of r1's x_1, one of r1's fx_2, one of a numeric run id's y_1), then one row per reason
 * (lines 6-11).
 */
public class ParseReadingFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static final Path FILE = SensorsTesting.resource("/ParseReadingFilesTest/readings.csv");
  static final long T = 1_669_236_000_000_000_000L; // 2022-11-23T20:40:00Z
  static final long MS = 1_000_000L;

  private PCollectionTuple parse(String name, String glob, ReadingRules rules) {
    return p.apply(
            name + "Match",
            FileIO.match().filepattern(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply(name + "Open", FileIO.readMatches())
        .apply(name, ParseReadingFiles.with(rules));
  }

  private static PCollection<String> rendered(PCollectionTuple out, String name) {
    return out.get(ParseReadingFiles.READINGS)
        .apply(name, MapElements.into(TypeDescriptors.strings()).via(SensorsTesting::render));
  }

  private static PCollection<String> reasons(PCollectionTuple out, String name) {
    return out.get(ParseReadingFiles.FAILURES)
        .apply(
            name,
            MapElements.into(TypeDescriptors.strings())
                .via((Failure f) -> f.step() + " " + f.line() + " " + f.reason()));
  }

  private static String reading(long time, double value, long line) {
    return "<" + FILE + ">" + time + "=" + value + "@" + line;
  }

  @Test
  @Category(NeedsRunner.class)
  public void everyRowIsAReadingOrAFailure() {
    PCollectionTuple out = parse("Parse", FILE.toString(), ReadingRules.defaults());
    PAssert.that(rendered(out, "Render"))
        .containsInAnyOrder(
            "r1 x_1 " + reading(T, 1.5, 2) + " " + reading(T + 10 * MS, 2.5, 3),
            "r1 fx_2 " + reading(T, -3.0, 4),
            "12405186538561671661 y_1 " + reading(T, 7.0, 5));
    PAssert.that(reasons(out, "Reasons"))
        .containsInAnyOrder(
            "ParseReadingFiles 6 unparseable_time",
            "ParseReadingFiles 7 unknown_field",
            "ParseReadingFiles 8 unknown_robot",
            "ParseReadingFiles 9 field_sensor_mismatch",
            "ParseReadingFiles 10 wrong_field_count",
            "ParseReadingFiles 11 out_of_bounds");
    PAssert.that(out.get(ParseReadingFiles.FAILURES))
        .satisfies(
            failures -> {
              for (Failure f : failures) {
                assertEquals(FILE.toString(), f.source());
              }
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(1, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.FILES));
    assertEquals(
        10, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_READ));
    assertEquals(
        4, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_ACCEPTED));
    assertEquals(
        6, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_REJECTED));
  }

  @Test
  @Category(NeedsRunner.class)
  public void theRulesDecideTheBounds() {
    // forces within ±2 N: r1's fx_2 of -3 N is out of bounds too
    PCollectionTuple out =
        parse("Parse", FILE.toString(), new ReadingRules(-10_000, 10_000, -2, 2));
    PAssert.that(rendered(out, "Render"))
        .containsInAnyOrder(
            "r1 x_1 " + reading(T, 1.5, 2) + " " + reading(T + 10 * MS, 2.5, 3),
            "12405186538561671661 y_1 " + reading(T, 7.0, 5));
    // no bounds at all: the 20,000 mm position is a reading
    PCollectionTuple unbounded = parse("Unbounded", FILE.toString(), ReadingRules.unbounded());
    PAssert.that(rendered(unbounded, "RenderUnbounded"))
        .containsInAnyOrder(
            "r1 x_1 "
                + reading(T, 1.5, 2)
                + " "
                + reading(T + 10 * MS, 2.5, 3)
                + " "
                + reading(T + 20 * MS, 20000.0, 11),
            "r1 fx_2 " + reading(T, -3.0, 4),
            "12405186538561671661 y_1 " + reading(T, 7.0, 5));
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(
        3 + 5, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_ACCEPTED));
    assertEquals(
        7 + 5, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_REJECTED));
  }

  /** Ten readings of run r9's x_1 in our clean layout, values 100 + i × 0.123456789. */
  private static Path tenReadings(Path file) throws java.io.IOException {
    org.apache.parquet.example.data.simple.SimpleGroupFactory g =
        new org.apache.parquet.example.data.simple.SimpleGroupFactory(SensorsParquet.CLEAN);
    org.apache.parquet.example.data.Group[] rows = new org.apache.parquet.example.data.Group[10];
    for (int i = 0; i < rows.length; i++) {
      rows[i] =
          g.newGroup()
              .append("time", T + i * 10 * MS)
              .append("value", 100 + i * 0.123456789)
              .append("field", "x")
              .append("robot_id", 1L)
              .append("run_uuid", "r9")
              .append("sensor_type", "encoder")
              .append("quality", "ok");
    }
    SensorsTesting.writeGroups(file, SensorsParquet.CLEAN, rows);
    return file;
  }

  /**
   * A truncated Parquet file failed the whole job with {@code ParquetChannels$3@18967e99 is not a
   * Parquet file}, and a flipped byte in a page gave a wrong value; now each is one reject naming
   * the file and why (the page CRC, for the flipped byte), counted as one row read, and the good
   * file in the same glob is read.
   */
  @Test
  @Category(NeedsRunner.class)
  public void aBrokenFileIsOneRejectWithItsNameAndTheOtherFilesGoOn() throws Exception {
    Path dir = tmp.newFolder("broken").toPath();
    java.nio.file.Files.copy(FILE, dir.resolve("good.csv"));
    byte[] whole = java.nio.file.Files.readAllBytes(tenReadings(dir.resolve("whole.parquet")));
    Path truncated = dir.resolve("truncated.parquet");
    java.nio.file.Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
    java.nio.file.Files.delete(dir.resolve("whole.parquet"));
    Path flipped = tenReadings(dir.resolve("flipped.parquet"));
    dev.strata.transforms.common.CorruptParquet.flipValue(
        flipped, "value", Double.doubleToLongBits(100 + 5 * 0.123456789));
    String truncatedName = truncated.toString();
    String flippedName = flipped.toString();
    PCollectionTuple out = parse("Parse", dir + "/*", ReadingRules.defaults());
    PAssert.that(
            out.get(ParseReadingFiles.FAILURES)
                .apply(
                    "Broken",
                    org.apache.beam.sdk.transforms.Filter.by(
                        (Failure f) -> f.reason().equals("unreadable_file"))))
        .satisfies(
            failures -> {
              java.util.Map<String, Failure> bySource = new java.util.TreeMap<>();
              failures.forEach(f -> bySource.put(f.source(), f));
              assertEquals(java.util.Set.of(truncatedName, flippedName), bySource.keySet());
              Failure t = bySource.get(truncatedName);
              org.junit.Assert.assertTrue(t.message(), t.message().contains(truncatedName));
              org.junit.Assert.assertFalse(t.message(), t.message().contains("ParquetChannels"));
              assertEquals(Long.valueOf(1), t.line());
              Failure c = bySource.get(flippedName);
              org.junit.Assert.assertTrue(
                  c.message(), c.message().contains("CRC checksum verification failed"));
              return null;
            });
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(3, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.FILES));
    // good.csv: 10 rows (4 accepted, 6 rejected); each broken file: one row, rejected
    assertEquals(
        12, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_READ));
    assertEquals(
        4, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_ACCEPTED));
    assertEquals(
        8, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_REJECTED));
  }

  @Test
  @Category(NeedsRunner.class)
  public void noFilesNoReadings() {
    PCollectionTuple out =
        parse("Parse", tmp.getRoot() + "/nothing/*.csv", ReadingRules.defaults());
    PAssert.that(out.get(ParseReadingFiles.READINGS)).empty();
    PAssert.that(out.get(ParseReadingFiles.FAILURES)).empty();
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(0, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.FILES));
  }
}
