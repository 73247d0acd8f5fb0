package dev.strata.model.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import dev.strata.model.FeatureSpec;
import dev.strata.model.VolumeModel;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The epoch loop: fits {@link VolumeModel#network} on the spilled examples with Adam on the L1
 * loss, a {@link HalvingLearningRate}, one {@link TrainingPass} and one {@link ValidationLoss} per
 * epoch, until {@link EarlyStopping} says stop or {@link TrainConfig#maxEpochs()} are done. Keeps
 * the parameters of the epoch with the lowest validation loss. Seeded from {@link
 * TrainConfig#seed()}.
 */
final class TrainNetwork {
  /** The parameters of the epoch kept (as {@link VolumeModel#parametersOf} writes them). */
  record Fitted(byte[] parameters, int bestEpoch, List<TrainVolumeModel.Epoch> epochs) {}

  private TrainNetwork() {}

  /**
   * @throws IllegalStateException if the training loss stops being finite
   */
  static Fitted run(TrainConfig config, SpilledExamples examples, PrintStream log)
      throws IOException {
    HalvingLearningRate learningRate = new HalvingLearningRate(config.learningRate());
    Engine engine = Engine.getEngine("PyTorch");
    engine.setRandomSeed((int) config.seed());
    DefaultTrainingConfig trainingConfig =
        new DefaultTrainingConfig(Loss.l1Loss())
            .optOptimizer(Optimizer.adam().optLearningRateTracker(learningRate).build())
            .optDevices(new Device[] {Device.cpu()});
    try (Model model = Model.newInstance("volume-train", "PyTorch")) {
      model.setBlock(VolumeModel.network(config.hidden()));
      try (Trainer trainer = model.newTrainer(trainingConfig)) {
        trainer.initialize(new Shape(1, FeatureSpec.SIZE));
        log.printf(
            "network 2 -> %s -> 1 (ReLU), %,d parameters; Adam lr=%s, batch %d, L1 loss%n",
            Arrays.toString(config.hidden()),
            VolumeModel.parameterCount(config.hidden()),
            config.learningRate(),
            config.batchSize());
        EarlyStopping stopping = new EarlyStopping(config.patience());
        List<TrainVolumeModel.Epoch> epochs = new ArrayList<>();
        byte[] best = null;
        for (int epoch = 1; epoch <= config.maxEpochs(); epoch++) {
          Stopwatch time = Stopwatch.start();
          learningRate.startEpoch(epoch);
          double trainLoss = TrainingPass.run(trainer, examples, config, epoch);
          double validationLoss = ValidationLoss.of(trainer, examples);
          TrainVolumeModel.Epoch e =
              new TrainVolumeModel.Epoch(epoch, trainLoss, validationLoss, time.seconds());
          epochs.add(e);
          boolean improved = stopping.improves(epoch, validationLoss);
          if (improved) {
            best = VolumeModel.parametersOf(model.getBlock());
          }
          log.printf(
              "epoch %2d  train_loss %.6f  validation_loss %.6f  %5.1f s%s%n",
              epoch, trainLoss, validationLoss, e.seconds(), improved ? "  (best)" : "");
          if (!Double.isFinite(trainLoss)) {
            throw new IllegalStateException("training diverged: loss " + trainLoss);
          }
          if (stopping.shouldStop()) {
            log.printf(
                "early stop: validation loss did not improve for %d epochs%n", config.patience());
            break;
          }
        }
        return new Fitted(best, stopping.bestEpoch(), epochs);
      }
    }
  }
}
