package dev.strata.model.train;

import dev.strata.model.FeatureSpec;
import dev.strata.model.Scaling;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One run's examples on disk, written by a second scan of the source once the {@link TimeSplit} is
 * known: training rows into shuffle buckets (each row to the bucket its key hashes to), validation
 * and test rows into a file each. Memory is bounded by the bucket size, not the row count: rows are
 * never held as objects. The scan also keeps a uniform sample of the training rows ({@link
 * KeyedSample}; the forest learns from it) and measures the {@link Scaling} on that sample.
 *
 * <p>Training and validation rows hold the transformed values {@code (symlog(vol_moving_avg),
 * symlog(adj_close_rolling_med), ln(1 + Volume))}, ready to be standardised; test rows hold the raw
 * values, since they are scored through the predictor on the raw scale. Every row keeps its {@link
 * Examples#key}.
 */
final class SpilledExamples implements Closeable {
  private final RowFile[] buckets;
  private RowFile validation;
  private RowFile test;
  private double[][] trainingSample;
  private Scaling scaling;

  private SpilledExamples(int bucketCount) {
    this.buckets = new RowFile[bucketCount];
  }

  /** Scans {@code source} into files under {@link TrainConfig#workDir()}; close to release them. */
  static SpilledExamples write(FeatureSource source, TimeSplit split, TrainConfig config)
      throws IOException {
    int k = (int) Math.max(1, (split.trainRows + config.bucketRows() - 1) / config.bucketRows());
    SpilledExamples spill = new SpilledExamples(k);
    try {
      spill.fill(source, split, config);
      return spill;
    } catch (IOException | RuntimeException e) {
      spill.close();
      throw e;
    }
  }

  private void fill(FeatureSource source, TimeSplit split, TrainConfig config) throws IOException {
    Path dir = config.workDir();
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new RowFile(dir.resolve("train-" + i + ".bin"));
    }
    validation = new RowFile(dir.resolve("validation.bin"));
    test = new RowFile(dir.resolve("test.bin"));
    int sampleSize = (int) Math.min(config.sampleRows(), split.trainRows);
    KeyedSample sample = new KeyedSample(sampleSize, config.seed() + 1);
    long k = buckets.length;
    Examples.scan(
        source,
        (key, day, vma, med, volume) -> {
          switch (split.partOf(day)) {
            case TRAIN -> {
              // Bucket and sample follow from the row's key, not from the order rows arrive.
              int bucket = (int) Math.floorMod(Examples.mix(key ^ config.seed()), k);
              buckets[bucket].append(
                  FeatureSpec.symlog(vma),
                  FeatureSpec.symlog(med),
                  FeatureSpec.logVolume(volume),
                  key);
              if (sample.wouldTake(key)) {
                sample.offer(key, new double[] {vma, med, volume});
              }
            }
            case VALIDATION ->
                validation.append(
                    FeatureSpec.symlog(vma),
                    FeatureSpec.symlog(med),
                    FeatureSpec.logVolume(volume),
                    key);
            case TEST -> test.append(vma, med, volume, key);
          }
        });
    for (RowFile b : buckets) {
      b.flush();
    }
    validation.flush();
    test.flush();
    trainingSample = sample.rows();
    // Means and deviations from the sample, summed in its (rank) order: the same numbers
    // however the input was sharded, and within noise of the full training split's.
    Scaling.Builder stats = new Scaling.Builder();
    for (double[] r : trainingSample) {
      stats.add(r[0], r[1], (long) r[2]);
    }
    scaling = stats.build();
  }

  /** The shuffle buckets of the training split. */
  RowFile[] buckets() {
    return buckets;
  }

  /** Rows in all buckets. */
  long trainRows() {
    long n = 0;
    for (RowFile b : buckets) {
      n += b.rows();
    }
    return n;
  }

  RowFile validation() {
    return validation;
  }

  RowFile test() {
    return test;
  }

  /**
   * The uniform sample of the training split, raw {@code (vma, med, volume)} rows in rank order.
   */
  double[][] trainingSample() {
    return trainingSample;
  }

  /** The scaling measured on {@link #trainingSample()}. */
  Scaling scaling() {
    return scaling;
  }

  @Override
  public void close() throws IOException {
    for (RowFile b : buckets) {
      if (b != null) {
        b.close();
      }
    }
    if (validation != null) {
      validation.close();
    }
    if (test != null) {
      test.close();
    }
  }
}
