package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-checked cut-offs of {@link TimeSplit}. */
class TimeSplitTest {
  @Test
  void splitPutsTheLatestFifthInTest() {
    TimeSplit.DayHistogram h = new TimeSplit.DayHistogram();
    int d0 = (int) LocalDate.of(2020, 1, 1).toEpochDay();
    for (int d = 0; d < 100; d++) {
      for (int r = 0; r < 10; r++) {
        h.add(d0 + d);
      }
    }
    TimeSplit s = h.split(0.1, 0.2);
    assertThat(s.testStart).isEqualTo(d0 + 80);
    assertThat(s.validationStart).isEqualTo(d0 + 70);
    assertThat(s.trainRows).isEqualTo(700);
    assertThat(s.validationRows).isEqualTo(100);
    assertThat(s.testRows).isEqualTo(200);
    assertThat(s.partOf(d0 + 69)).isEqualTo(TimeSplit.Part.TRAIN);
    assertThat(s.partOf(d0 + 70)).isEqualTo(TimeSplit.Part.VALIDATION);
    assertThat(s.partOf(d0 + 80)).isEqualTo(TimeSplit.Part.TEST);
  }

  @Test
  void splitNeverDividesADay() {
    TimeSplit.DayHistogram h = new TimeSplit.DayHistogram();
    // Three days with 50, 30 and 20 rows: test = the last day (20 %), validation = the one before
    // (30 % > 10 %, but a day is never divided), training = the first.
    int[] rows = {50, 30, 20};
    for (int d = 0; d < 3; d++) {
      for (int r = 0; r < rows[d]; r++) {
        h.add(d);
      }
    }
    TimeSplit s = h.split(0.1, 0.2);
    assertThat(s.trainRows).isEqualTo(50);
    assertThat(s.validationRows).isEqualTo(30);
    assertThat(s.testRows).isEqualTo(20);
  }

  @Test
  void describesEachPartByDatesAndRows() {
    TimeSplit.DayHistogram h = new TimeSplit.DayHistogram();
    int d0 = (int) LocalDate.of(2020, 1, 1).toEpochDay();
    for (int d = 0; d < 100; d++) {
      for (int r = 0; r < 10; r++) {
        h.add(d0 + d);
      }
    }
    assertThat(h.split(0.1, 0.2).toMap())
        .isEqualTo(
            Map.of(
                "train", Map.of("from", "2020-01-01", "to", "2020-03-10", "rows", 700L),
                "validation", Map.of("from", "2020-03-11", "to", "2020-03-20", "rows", 100L),
                "test", Map.of("from", "2020-03-21", "to", "2020-04-09", "rows", 200L)));
    assertThat(h.split(0.1, 0.2).toMap().keySet()).containsExactly("train", "validation", "test");
  }
}
