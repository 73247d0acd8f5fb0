package dev.strata.model.train;

import ai.djl.training.tracker.Tracker;

/**
 * Adam's step size: the configured rate in epoch 1, halved every epoch after it. Adam on an L1 loss
 * keeps jittering at a fixed rate, and the smaller steps settle it on the median. DJL asks the
 * tracker for the rate at every update; the epoch loop tells it which epoch is running.
 */
final class HalvingLearningRate implements Tracker {
  private final double initial;
  private float rate;

  HalvingLearningRate(double initial) {
    this.initial = initial;
    this.rate = forEpoch(initial, 1);
  }

  /** The rate of {@code epoch} (1-based): {@code initial · 2^-(epoch - 1)}. */
  static float forEpoch(double initial, int epoch) {
    return (float) (initial * Math.pow(0.5, epoch - 1));
  }

  /** Every update from now on uses the rate of {@code epoch}. */
  void startEpoch(int epoch) {
    rate = forEpoch(initial, epoch);
  }

  @Override
  public float getNewValue(int numUpdate) {
    return rate;
  }
}
