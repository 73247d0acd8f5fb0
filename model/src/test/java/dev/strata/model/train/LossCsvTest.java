package dev.strata.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LossCsvTest {
  @Test
  void oneLinePerEpochWithTheLossesInFull() {
    List<TrainVolumeModel.Epoch> epochs =
        List.of(
            new TrainVolumeModel.Epoch(1, 0.191820123, 0.080431, 0.2104),
            new TrainVolumeModel.Epoch(2, 0.0643, 0.05, 12.5));
    assertThat(LossCsv.format(epochs))
        .isEqualTo(
            "epoch,train_loss,validation_loss,seconds\n"
                + "1,0.191820123,0.080431,0.210\n"
                + "2,0.0643,0.05,12.500\n");
  }
}
