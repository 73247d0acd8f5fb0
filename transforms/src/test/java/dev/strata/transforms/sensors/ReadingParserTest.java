package dev.strata.transforms.sensors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.strata.transforms.common.Failure;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

public class ReadingParserTest {
  record Row(String run, Signal signal, long time, double value, long line) {}

  static List<Row> rows = new ArrayList<>();
  static List<Failure> failures = new ArrayList<>();

  static long parse(String csv) {
    rows = new ArrayList<>();
    failures = new ArrayList<>();
    ReadingParser p =
        new ReadingParser(
            ReadingRules.defaults(),
            "test.csv",
            new ReadingParser.Sink() {
              @Override
              public void reading(
                  String run, Signal s, long t, double v, long line, boolean spike) {
                rows.add(new Row(run, s, t, v, line));
              }

              @Override
              public void failure(Failure f) {
                failures.add(f);
              }
            });
    return p.parseCsv(csv.getBytes(StandardCharsets.UTF_8));
  }

  static long nanos(String iso) {
    Instant i = Instant.parse(iso);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  @Test
  public void acceptsTheRealLayoutWithExtraColumnsAndAnyColumnOrder() {
    long n =
        parse(
            ",time,value,field,cell_id,robot_id,run_uuid,sensor_type\r\n"
                + "0,2022-11-23T20:40:00.444Z,826.1516,x,1,1,8910095844186657261,encoder\r\n"
                + "1,2022-11-23T20:41:17Z,-88.7,fx,1,2,1.2405186538561671e+19,load_cell\r\n");
    assertEquals(2, n);
    assertEquals(0, failures.size());
    assertEquals(
        new Row("8910095844186657261", Signal.X_1, nanos("2022-11-23T20:40:00.444Z"), 826.1516, 2),
        rows.get(0));
    // a float64 run id keeps the exact digits the double holds
    assertEquals("12405186538561671168", rows.get(1).run());
    assertEquals(Signal.FX_2, rows.get(1).signal());
    assertEquals(nanos("2022-11-23T20:41:17Z"), rows.get(1).time());
  }

  @Test
  public void timesWithAnyNumberOfFractionalDigitsAndOffsets() throws Exception {
    long base = nanos("2022-11-23T20:40:00Z");
    assertEquals(base, ReadingParser.parseTime("2022-11-23T20:40:00Z"));
    assertEquals(base + 100_000_000L, ReadingParser.parseTime("2022-11-23T20:40:00.1Z"));
    assertEquals(base + 123_456_789L, ReadingParser.parseTime("2022-11-23T20:40:00.123456789Z"));
    // beyond nanoseconds: truncated
    assertEquals(base + 123_456_789L, ReadingParser.parseTime("2022-11-23T20:40:00.123456789987Z"));
    assertEquals(base, ReadingParser.parseTime("2022-11-23T22:40:00+02:00"));
    assertEquals(base + 5_000_000L, ReadingParser.parseTime("2022-11-23T20:40:00.005"));
    assertEquals(base, ReadingParser.parseTime("2022-11-23 20:40:00Z"));
  }

  @Test
  public void runIdsStayExactDecimalStrings() {
    assertEquals("12405186538561671661", ReadingParser.canonicalRunId("12405186538561671661"));
    assertEquals("12405186538561671168", ReadingParser.canonicalRunId("1.2405186538561671e+19"));
    assertEquals("8910095844186657261", ReadingParser.canonicalRunId("8910095844186657261.0"));
    assertEquals("42", ReadingParser.canonicalRunId("0042"));
    assertEquals(
        "3f2a9c1e-0b7d-4f3e-9a51-2c6d8e7f1a0b",
        ReadingParser.canonicalRunId("3f2a9c1e-0b7d-4f3e-9a51-2c6d8e7f1a0b"));
    assertEquals("12405186538561671168", ReadingParser.runIdOf(1.2405186538561671e19));
  }

  @Test
  public void everyBadRowIsRejectedWithItsReasonAndLine() {
    String h = "time,value,field,robot_id,run_uuid,sensor_type\n";
    String[][] cases = {
      {"2022-13-45T00:00:00Z,1,x,1,7,encoder", "unparseable_time"},
      {"yesterday,1,x,1,7,encoder", "unparseable_time"},
      {"2022-11-23T20:40:00Z,NaN,x,1,7,encoder", "non_finite_value"},
      {"2022-11-23T20:40:00Z,Infinity,x,1,7,encoder", "non_finite_value"},
      {"2022-11-23T20:40:00Z,abc,x,1,7,encoder", "unparseable_value"},
      // plain decimals only, as the market job reads numbers: no type suffix, hex or words
      {"2022-11-23T20:40:00Z,1.5f,x,1,7,encoder", "unparseable_value"},
      {"2022-11-23T20:40:00Z,2d,x,1,7,encoder", "unparseable_value"},
      {"2022-11-23T20:40:00Z,0x1p3,x,1,7,encoder", "unparseable_value"},
      {"2022-11-23T20:40:00Z,1e,x,1,7,encoder", "unparseable_value"},
      {"2022-11-23T20:40:00Z,.,x,1,7,encoder", "unparseable_value"},
      {"2022-11-23T20:40:00Z,\u0661,x,1,7,encoder", "unparseable_value"},
      {"2022-11-23T20:40:00Z,1.,x,1f,7,encoder", "unknown_robot"},
      {"2022-11-23T20:40:00Z,1,fx,1,7,encoder", "field_sensor_mismatch"},
      {"2022-11-23T20:40:00Z,1,x,1,7,load_cell", "field_sensor_mismatch"},
      {"2022-11-23T20:40:00Z,1,w,1,7,encoder", "unknown_field"},
      {"2022-11-23T20:40:00Z,1,x,1,7,camera", "unknown_sensor_type"},
      {"2022-11-23T20:40:00Z,1,x,3,7,encoder", "unknown_robot"},
      {"2022-11-23T20:40:00Z,1,x,1.5,7,encoder", "unknown_robot"},
      {"2022-11-23T20:40:00Z,1,x,,7,encoder", "missing_value"},
      {"2022-11-23T20:40:00Z,1e6,x,1,7,encoder", "out_of_bounds"},
      {"2022-11-23T20:40:00Z,-20000,fz,2,7,load_cell", "out_of_bounds"},
      {"2022-11-23T20:40:00Z,1,x,1,7", "wrong_field_count"},
      // a run id becomes a folder name: nothing path-like, no dots, at most 128 ASCII characters
      {"2022-11-23T20:40:00Z,1,x,1,../../../../../escaped,encoder", "invalid_run_uuid"},
      {"2022-11-23T20:40:00Z,1,x,1,a/b,encoder", "invalid_run_uuid"},
      {"2022-11-23T20:40:00Z,1,x,1,a\\b,encoder", "invalid_run_uuid"},
      {"2022-11-23T20:40:00Z,1,x,1,..,encoder", "invalid_run_uuid"},
      {"2022-11-23T20:40:00Z,1,x,1,run\u0000x,encoder", "invalid_run_uuid"},
      {"2022-11-23T20:40:00Z,1,x,1,r\u00fcn,encoder", "invalid_run_uuid"},
      {"2022-11-23T20:40:00Z,1,x,1,12.5,encoder", "invalid_run_uuid"},
      {"2022-11-23T20:40:00Z,1,x,1," + "7".repeat(129) + ",encoder", "invalid_run_uuid"},
    };
    StringBuilder csv = new StringBuilder(h);
    for (String[] c : cases) {
      csv.append(c[0]).append('\n');
    }
    csv.append("2022-11-23T20:40:00Z,1,x,1,7,encoder\n");
    csv.append("2022-11-23T20:40:01Z,+.5e1,x,1.0,7,encoder\n");
    assertEquals(cases.length + 2, parse(csv.toString()));
    assertEquals(2, rows.size());
    assertEquals(5.0, rows.get(1).value(), 0);
    assertEquals(cases.length, failures.size());
    for (int i = 0; i < cases.length; i++) {
      Failure f = failures.get(i);
      assertEquals(cases[i][0], cases[i][1], f.reason());
      assertEquals(i + 2L, (long) f.line());
      assertEquals(cases[i][0], f.payload());
      assertEquals("test.csv", f.source());
    }
  }

  @Test
  public void aHeaderWithoutARequiredColumnRejectsEveryRow() {
    long n = parse("time,value,field,robot_id,sensor_type\na,1,x,1,encoder\nb,2,x,1,encoder\n");
    assertEquals(2, n);
    assertEquals(2, failures.size());
    assertTrue(failures.get(0).message().contains("run_uuid"));
    assertEquals("missing_column", failures.get(1).reason());
  }
}
