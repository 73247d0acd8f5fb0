package dev.strata.pipelines.launcher;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Duration;

/**
 * The options of a job that can keep running on its input ({@code --continuous}): the warehouse and
 * sensors jobs. The arrival rules are {@code WatchArrivals}'.
 */
public interface ContinuousOptions extends PipelineOptions {
  @Description(
      "Keep running: process every file that arrives in --input, once it has stayed the same size"
          + " and modification time for one poll, until stopped (SIGTERM or Ctrl-C).")
  @Default.Boolean(false)
  boolean getContinuous();

  void setContinuous(boolean value);

  @Description("With --continuous: seconds between listings of --input (1..3600).")
  @Default.Integer(2)
  int getPollSeconds();

  void setPollSeconds(int value);

  /** {@code --pollSeconds} checked: one line for a value out of range. */
  static Duration poll(ContinuousOptions o) {
    if (o.getPollSeconds() < 1 || o.getPollSeconds() > 3600) {
      throw new IllegalArgumentException(
          "--pollSeconds must be in 1..3600, not " + o.getPollSeconds());
    }
    return Duration.standardSeconds(o.getPollSeconds());
  }

  /**
   * A job's {@code --settleSeconds} (the sensors and market jobs declare it) checked: one line for
   * a value out of range.
   */
  static Duration settle(int settleSeconds) {
    if (settleSeconds < 0 || settleSeconds > 86_400) {
      throw new IllegalArgumentException(
          "--settleSeconds must be in 0..86400, not " + settleSeconds);
    }
    return Duration.standardSeconds(settleSeconds);
  }
}
