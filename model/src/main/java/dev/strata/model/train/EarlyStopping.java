package dev.strata.model.train;

/**
 * Which epoch to keep and when to stop: an epoch is an improvement when its validation loss is more
 * than {@value #MIN_IMPROVEMENT} (relative) below the best so far, and training stops after {@code
 * patience} epochs in a row without one.
 */
final class EarlyStopping {
  /** Below 0.1 % the difference is noise of where the last steps happened to land. */
  static final double MIN_IMPROVEMENT = 1e-3;

  private final int patience;
  private double bestLoss = Double.POSITIVE_INFINITY;
  private int bestEpoch;
  private int sinceBest;

  EarlyStopping(int patience) {
    this.patience = patience;
  }

  /** Records an epoch's validation loss; true if it is the new best (the epoch to keep). */
  boolean improves(int epoch, double validationLoss) {
    boolean improved = validationLoss < bestLoss * (1 - MIN_IMPROVEMENT);
    if (improved) {
      bestLoss = validationLoss;
      bestEpoch = epoch;
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    return improved;
  }

  /** True once {@code patience} epochs in a row did not improve. */
  boolean shouldStop() {
    return sinceBest >= patience;
  }

  /** The epoch kept (1-based), or 0 before any epoch improved. */
  int bestEpoch() {
    return bestEpoch;
  }
}
