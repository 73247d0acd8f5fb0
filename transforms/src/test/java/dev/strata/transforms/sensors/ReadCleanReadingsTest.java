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
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.Rule;
import org.junit.Test;
import org.junit.experimental.categories.Category;
import org.junit.rules.TemporaryFolder;

/**
 * {@link ReadCleanReadings}: what {@link SensorsParquet#writeClean} wrote comes back as the same
 * readings (sources, row numbers, spike flags), exactly as {@link ParseReadingFiles} with unbounded
 * rules reads them; rows that are not readings go to the failure output.
 */
public class ReadCleanReadingsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static SignalSeries series(String run, Signal s, long[] t, double[] v, boolean... spikes) {
    SignalSeries x = SignalSeries.of(run, s, t, v, "in.csv");
    return spikes.length == 0 ? x : x.withSpikes(spikes);
  }

  /** One clean file: r1 fx_1 (3 readings, the second a spike), r1 x_2 (1), r2 fx_1 (2). */
  Path cleanFile() throws Exception {
    Path f = tmp.getRoot().toPath().resolve("clean/part-00000-of-00001.parquet");
    java.nio.file.Files.createDirectories(f.getParent());
    SensorsTesting.writeClean(
        f,
        series(
            "r1",
            Signal.FX_1,
            new long[] {1, 2, 3},
            new double[] {1.5, 2.5, 3.5},
            false,
            true,
            false),
        series("r1", Signal.X_2, new long[] {5}, new double[] {-1}),
        series("r2", Signal.FX_1, new long[] {7, 8}, new double[] {0, 0}));
    return f;
  }

  private PCollectionTuple read(String glob) {
    return p.apply(
            FileIO.match().filepattern(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply(FileIO.readMatches())
        .apply(ReadCleanReadings.create());
  }

  private static PCollection<String> rendered(PCollection<SignalSeries> s, String name) {
    return s.apply(name, MapElements.into(TypeDescriptors.strings()).via(SensorsTesting::render));
  }

  @Test
  @Category(NeedsRunner.class)
  public void readsBackWhatTheCleanWriterWrote() throws Exception {
    String f = cleanFile().toString();
    PCollectionTuple out = read(tmp.getRoot() + "/clean/*.parquet");
    String[] expected = {
      "r1 fx_1 <" + f + ">1=1.5@1 <" + f + ">2=2.5@2* <" + f + ">3=3.5@3",
      "r1 x_2 <" + f + ">5=-1.0@4",
      "r2 fx_1 <" + f + ">7=0.0@5 <" + f + ">8=0.0@6"
    };
    PAssert.that(rendered(out.get(ReadCleanReadings.READINGS), "Render"))
        .containsInAnyOrder(expected);
    PAssert.that(out.get(ReadCleanReadings.FAILURES)).empty();
    // today's path gives the very same elements
    PCollection<SignalSeries> before =
        p.apply("MatchAgain", FileIO.match().filepattern(tmp.getRoot() + "/clean/*.parquet"))
            .apply("OpenAgain", FileIO.readMatches())
            .apply("ParseReadingFiles", ParseReadingFiles.with(ReadingRules.unbounded()))
            .get(ParseReadingFiles.READINGS);
    PAssert.that(rendered(before, "RenderBefore")).containsInAnyOrder(expected);
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(1, SensorsTesting.counter(r, ReadCleanReadings.class, ReadCleanReadings.FILES));
    assertEquals(
        6, SensorsTesting.counter(r, ReadCleanReadings.class, ReadCleanReadings.ROWS_READ));
    assertEquals(
        0, SensorsTesting.counter(r, ReadCleanReadings.class, ReadCleanReadings.ROWS_REJECTED));
    assertEquals(
        6, SensorsTesting.counter(r, ParseReadingFiles.class, ParseReadingFiles.ROWS_ACCEPTED));
  }

  @Test
  @Category(NeedsRunner.class)
  public void rowsThatAreNotReadingsAreFailures() throws Exception {
    // the clean layout, but value may be null: one good row, one unknown field, one null value
    MessageType schema =
        Types.buildMessage()
            .required(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.NANOS))
            .named("time")
            .optional(PrimitiveTypeName.DOUBLE)
            .named("value")
            .required(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("field")
            .required(PrimitiveTypeName.INT64)
            .named("robot_id")
            .required(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("run_uuid")
            .required(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("sensor_type")
            .required(PrimitiveTypeName.BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .named("quality")
            .named("robot_clean");
    SimpleGroupFactory g = new SimpleGroupFactory(schema);
    Group good = g.newGroup().append("time", 10L).append("value", 2.0).append("field", "x");
    good.append("robot_id", 1L).append("run_uuid", "r9").append("sensor_type", "encoder");
    good.append("quality", "ok");
    Group unknown = g.newGroup().append("time", 20L).append("value", 3.0).append("field", "q");
    unknown.append("robot_id", 1L).append("run_uuid", "r9").append("sensor_type", "encoder");
    unknown.append("quality", "ok");
    Group noValue = g.newGroup().append("time", 30L).append("field", "x");
    noValue.append("robot_id", 1L).append("run_uuid", "r9").append("sensor_type", "encoder");
    noValue.append("quality", "ok");
    Path dir = tmp.newFolder("clean").toPath();
    Path f = dir.resolve("part-00000-of-00001.parquet");
    SensorsTesting.writeGroups(f, schema, good, unknown, noValue);
    PCollectionTuple out = read(dir + "/*.parquet");
    PAssert.that(rendered(out.get(ReadCleanReadings.READINGS), "Render"))
        .containsInAnyOrder("r9 x_1 <" + f + ">10=2.0@1");
    PAssert.that(
            out.get(ReadCleanReadings.FAILURES)
                .apply(
                    "Reasons",
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (Failure x) ->
                                x.step() + " " + x.source() + ":" + x.line() + " " + x.reason())))
        .containsInAnyOrder(
            "ParseReadingFiles " + f + ":2 unknown_field",
            "ParseReadingFiles " + f + ":3 missing_value");
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(
        1, SensorsTesting.counter(r, ReadCleanReadings.class, ReadCleanReadings.ROWS_READ));
    assertEquals(
        2, SensorsTesting.counter(r, ReadCleanReadings.class, ReadCleanReadings.ROWS_REJECTED));
  }

  @Test
  @Category(NeedsRunner.class)
  public void noFilesNoReadings() {
    PCollectionTuple out = read(tmp.getRoot() + "/nothing/*.parquet");
    PAssert.that(out.get(ReadCleanReadings.READINGS)).empty();
    PAssert.that(out.get(ReadCleanReadings.FAILURES)).empty();
    PipelineResult r = p.run();
    r.waitUntilFinish();
    assertEquals(0, SensorsTesting.counter(r, ReadCleanReadings.class, ReadCleanReadings.FILES));
  }
}
