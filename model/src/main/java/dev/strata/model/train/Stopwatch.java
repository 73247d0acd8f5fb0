package dev.strata.model.train;

/** Wall-clock seconds since it was started, for the timings in the training log. */
final class Stopwatch {
  private final long startNanos = System.nanoTime();

  private Stopwatch() {}

  static Stopwatch start() {
    return new Stopwatch();
  }

  double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
