package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import dev.strata.transforms.common.Failure;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.Test;

/** Every validation rule of a price file, one case each, plus the accounting invariant. */
public class BarFileParserTest {
  static final String HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n";

  static BarFileParser.Result parse(String content) {
    return BarFileParser.parse("f.csv", content.getBytes(StandardCharsets.UTF_8), "SYM", "Name");
  }

  private static void assertBalanced(BarFileParser.Result r) {
    assertEquals(r.rowsRead, r.series.size() + r.failures.size());
  }

  private static Failure onlyFailure(String row, String reason) {
    BarFileParser.Result r = parse(HEADER + "2020-01-02,1,2,0.5,1.5,1.4,100\n" + row + "\n");
    assertBalanced(r);
    assertEquals(2, r.rowsRead);
    assertEquals(1, r.series.size());
    assertEquals(1, r.failures.size());
    Failure f = r.failures.get(0);
    assertEquals(reason, f.reason());
    assertEquals("f.csv", f.source());
    assertEquals(Long.valueOf(3), f.line());
    assertEquals(row, f.payload());
    assertEquals("ParseBarFiles", f.step());
    return f;
  }

  @Test
  public void parsesAGoodFile() {
    BarFileParser.Result r =
        parse(
            HEADER
                + "1962-01-02,0.2630208432674408,0.2701822817325592,0.2630208432674408,0.2630208432674408,"
                + "0.004237719811499119,806400\n"
                + "1962-01-03,1.5,2.5,1.25,2.0,1.75,1574400\n");
    assertBalanced(r);
    assertEquals(0, r.failures.size());
    BarSeries s = r.series;
    assertEquals(2, s.size());
    assertEquals("SYM", s.symbol());
    assertEquals("Name", s.securityName());
    assertEquals(LocalDate.of(1962, 1, 2), s.date(0));
    assertEquals(0.2630208432674408f, s.open(0), 0f);
    assertEquals(0.004237719811499119f, s.adjClose(0), 0f);
    assertEquals(806400L, s.volume(0));
    assertEquals(1.75f, s.adjClose(1), 0f);
    assertNull(s.volMovingAvg(0));
  }

  @Test
  public void emptyValuesAreRejected() {
    Failure f = onlyFailure("2001-09-12,,,,,,", "empty_value");
    assertEquals(
        "empty value in 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume'", f.message());
    onlyFailure("2001-09-13,1,2,,1,1,5", "empty_value");
    onlyFailure(",1,2,1,1,1,5", "empty_value");
  }

  @Test
  public void unparseableNumbersAreRejected() {
    onlyFailure("2020-01-03,abc,2,1,1,1,5", "unparseable_number");
    onlyFailure("2020-01-03,1,2,1,1,NaN,5", "unparseable_number");
    onlyFailure("2020-01-03,1,2,1,1,1e999,5", "unparseable_number");
    onlyFailure("2020-01-03,1,2,1,1,1,5x", "unparseable_number");
    onlyFailure("2020-01-03,1,2,1,1,1,99999999999999999999", "unparseable_number");
  }

  @Test
  public void unparseableDatesAreRejected() {
    onlyFailure("2020-02-30,1,2,1,1,1,5", "unparseable_date");
    onlyFailure("2020/01/03,1,2,1,1,1,5", "unparseable_date");
    onlyFailure("20-01-03,1,2,1,1,1,5", "unparseable_date");
    onlyFailure("2020-13-01,1,2,1,1,1,5", "unparseable_date");
  }

  @Test
  public void volumeMustBeANonNegativeInteger() {
    onlyFailure("2020-01-03,1,2,1,1,1,806400.5", "non_integral_volume");
    onlyFailure("2020-01-03,1,2,1,1,1,-5", "negative_volume");
    onlyFailure("2020-01-03,1,2,1,1,1,-5.0", "negative_volume");
    // beyond 10^15 a 30-row sum would overflow int64 (a negative vol_moving_avg before)
    onlyFailure("2020-01-03,1,2,1,1,1,9223372036854775806", "volume_out_of_range");
    onlyFailure("2020-01-03,1,2,1,1,1,1000000000000001", "volume_out_of_range");
    onlyFailure("2020-01-03,1,2,1,1,1,1e18", "volume_out_of_range");
    BarFileParser.Result max = parse(HEADER + "2020-01-03,1,2,1,1,1,1000000000000000\n");
    assertEquals(0, max.failures.size());
    assertEquals(BarRowRules.MAX_VOLUME, max.series.volume(0));
  }

  @Test
  public void floatVolumeIsAcceptedAndCounted() {
    BarFileParser.Result r =
        parse(HEADER + "2020-01-02,1,2,1,1,1,806400.0\n" + "2020-01-03,1,2,1,1,1,8.064e5\n");
    assertEquals(0, r.failures.size());
    assertEquals(806400L, r.series.volume(0));
    assertEquals(806400L, r.series.volume(1));
    assertEquals(2, r.oddities.floatVolume);
  }

  @Test
  public void wrongFieldCountIsRejected() {
    onlyFailure("2020-01-03,1,2,1,1,1", "wrong_field_count");
    onlyFailure("2020-01-03,1,2,1,1,1,5,7", "wrong_field_count");
  }

  @Test
  public void duplicateDateKeepsTheCompleteRow() {
    // the real BPMP case: an empty row and a real row for the same last date
    BarFileParser.Result r =
        parse(
            HEADER
                + "2021-01-26,1,2,1,1,1,5.0\n"
                + "2021-01-27,,,,,,\n"
                + "2021-01-27,3,4,2,3,3,7.0\n");
    assertBalanced(r);
    assertEquals(2, r.series.size());
    assertEquals(7L, r.series.volume(1));
    assertEquals(
        List.of("empty_value"),
        r.failures.stream().map(Failure::reason).collect(Collectors.toList()));
  }

  @Test
  public void secondCompleteRowOfADateIsRejectedAsDuplicate() {
    BarFileParser.Result r =
        parse(
            HEADER
                + "2021-01-27,3,4,2,3,3,7\n"
                + "2021-01-26,1,2,1,1,1,5\n"
                + "2021-01-27,9,9,9,9,9,9\n");
    assertBalanced(r);
    assertEquals(2, r.series.size());
    // sorted by date, first row of 2021-01-27 kept
    assertEquals(LocalDate.of(2021, 1, 26), r.series.date(0));
    assertEquals(7L, r.series.volume(1));
    Failure f = r.failures.get(0);
    assertEquals("duplicate_date", f.reason());
    assertEquals(Long.valueOf(4), f.line());
    assertEquals("2021-01-27,9,9,9,9,9,9", f.payload());
    assertEquals(Long.valueOf(1), r.rejectedByReason.get(BarRejection.DUPLICATE_DATE));
  }

  @Test
  public void realOdditiesAreKeptAndCounted() {
    BarFileParser.Result r =
        parse(
            HEADER
                + "1969-09-16,0.0,2,1,1.5,1.5,100\n" // Open = 0
                + "1969-09-17,1,1,2,1.5,1.5,100\n" // High < Low
                + "1969-09-18,1,2,1,1.5,6.281418905018654e-07,0\n"); // scientific, zero volume
    assertBalanced(r);
    assertEquals(0, r.failures.size());
    assertEquals(3, r.series.size());
    assertEquals(1, r.oddities.openZero);
    assertEquals(1, r.oddities.highBelowLow);
    assertEquals(1, r.oddities.zeroVolume);
    assertEquals(1, r.oddities.scientificNotation);
    assertEquals(6.281418905018654e-07f, r.series.adjClose(2), 0f);
  }

  @Test
  public void crlfBomBlankLinesAndColumnOrderAreHandled() {
    String content =
        "\uFEFFVolume,Date,Adj Close,Close,Low,High,Open,Extra\r\n"
            + "100,2020-01-02,1.4,1.5,0.5,2,1,x\r\n"
            + "\r\n"
            + "200,2020-01-03,2.4,2.5,1.5,3,2,y\r\n";
    BarFileParser.Result r = parse(content);
    assertBalanced(r);
    assertEquals(2, r.rowsRead);
    assertEquals(0, r.failures.size());
    assertEquals(200L, r.series.volume(1));
    assertEquals(2.4f, r.series.adjClose(1), 0f);
    assertEquals(2f, r.series.open(1), 0f);
  }

  @Test
  public void missingColumnRejectsEveryRowOfTheFile() {
    BarFileParser.Result r =
        parse("Date,Open,High,Low,Close,Volume\n" + "2020-01-02,1,2,1,1,5\n2020-01-03,1,2,1,1,5\n");
    assertBalanced(r);
    assertEquals(0, r.series.size());
    assertEquals(2, r.failures.size());
    assertEquals("missing_column", r.failures.get(0).reason());
  }

  @Test
  public void headerOnlyAndEmptyFilesHaveNoRows() {
    assertEquals(0, parse(HEADER).rowsRead);
    assertEquals(0, parse("").rowsRead);
    assertEquals(0, parse("").series.size());
  }

  @Test
  public void epochDayAgreesWithLocalDateFrom1600To2400() {
    for (LocalDate d = LocalDate.of(1600, 1, 1); d.getYear() < 2400; d = d.plusDays(1)) {
      assertEquals(
          d.toString(),
          d.toEpochDay(),
          BarNumbers.epochDay(d.getYear(), d.getMonthValue(), d.getDayOfMonth()));
    }
    BarFileParser.Result r = parse(HEADER + "2000-02-29,1,1,1,1,1,1\n1900-02-29,1,1,1,1,1,1\n");
    assertEquals(1, r.series.size());
    assertEquals("unparseable_date", r.failures.get(0).reason());
  }
}
