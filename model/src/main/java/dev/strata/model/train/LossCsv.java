package dev.strata.model.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code loss.csv}: a header, then one line per epoch with its mean training and validation loss
 * (as {@link Double#toString} writes them, so nothing is rounded away) and its duration in seconds.
 */
final class LossCsv {
  static final String HEADER = "epoch,train_loss,validation_loss,seconds";

  private LossCsv() {}

  static void write(Path file, List<TrainVolumeModel.Epoch> epochs) throws IOException {
    Files.writeString(file, format(epochs), StandardCharsets.UTF_8);
  }

  static String format(List<TrainVolumeModel.Epoch> epochs) {
    StringBuilder csv = new StringBuilder(HEADER).append('\n');
    for (TrainVolumeModel.Epoch e : epochs) {
      csv.append(e.epoch())
          .append(',')
          .append(e.trainLoss())
          .append(',')
          .append(e.validationLoss())
          .append(',')
          .append(String.format("%.3f", e.seconds()))
          .append('\n');
    }
    return csv.toString();
  }
}
