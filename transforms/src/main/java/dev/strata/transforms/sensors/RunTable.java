package dev.strata.transforms.sensors;

import java.io.Serializable;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One run on a fixed time grid, with kinematics: the wide table of {@link SensorsParquet#RUN}.
 *
 * <p><b>Alignment.</b> The grid is every multiple of the step (counted from the epoch, so grids of
 * different runs line up) inside the span where all of the run's recorded signals overlap: from the
 * latest first reading to the earliest last reading. Each signal is interpolated linearly in time
 * between its two readings around a grid point; there is no extrapolation (the span guarantees it).
 * If those two readings are further apart than the gap limit ({@link AlignSpec}), the signal has no
 * trustworthy value there and the whole grid point is dropped and counted, so every row that is
 * kept has every value the run can have. A signal the run never recorded stays null in every row
 * and is listed in {@link #missing()}.
 *
 * <p>Why a fixed grid with interpolation, and not the alternatives: matching nearest timestamps
 * pairs readings up to half a sampling interval apart (6 ms for 12 ms encoders) and makes the time
 * step irregular, which turns finite differences into noise; forward fill holds stale values, so
 * positions move in steps and velocities come out as spikes and zeros; the union of raw timestamps
 * multiplies rows (one per reading of any of the twelve clocks) and still needs a fill for the
 * others. Interpolating onto a regular grid gives a constant step for central differences and a
 * value at the same instant for every signal. Its costs: it smooths any feature shorter than the
 * sampling interval (readings do not show such features anyway), and a grid finer than the readings
 * invents no information, it only resamples.
 *
 * <p><b>Kinematics</b> (positions in mm, time in s): velocities by central differences {@code
 * (x[i+1] − x[i−1]) / 2h}, accelerations by second differences {@code (x[i+1] − 2x[i] + x[i−1]) /
 * h²}; at the ends of a stretch of consecutive grid points (the run's ends, or next to dropped
 * points) one-sided differences of the same order of accuracy in h for velocity, and the nearest
 * three-point second difference for acceleration. Differences never reach across a dropped point.
 * {@code v1, a1, f1} (robot 1) and {@code v2, a2, f2} are vector magnitudes, null unless all three
 * axes were recorded.
 *
 * <p>Encoded by {@link RunTableCoder}.
 */
@DefaultCoder(RunTableCoder.class)
public final class RunTable implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String runUuid;
  private final long stepNanos;
  private final long[] time;
  private final double[][] columns;
  private final EnumSet<Signal> missing;
  private final long pointsDropped;
  private final long[] samples;
  private final long firstReading;
  private final long lastReading;
  private final long spikes;

  RunTable(
      String runUuid,
      long stepNanos,
      long[] time,
      double[][] columns,
      EnumSet<Signal> missing,
      long pointsDropped,
      long[] samples,
      long firstReading,
      long lastReading,
      long spikes) {
    this.runUuid = runUuid;
    this.stepNanos = stepNanos;
    this.time = time;
    this.columns = columns;
    this.missing = missing;
    this.pointsDropped = pointsDropped;
    this.samples = samples;
    this.firstReading = firstReading;
    this.lastReading = lastReading;
    this.spikes = spikes;
  }

  public String runUuid() {
    return runUuid;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RunTable t
        && runUuid.equals(t.runUuid)
        && stepNanos == t.stepNanos
        && Arrays.equals(time, t.time)
        && Arrays.deepEquals(columns, t.columns)
        && missing.equals(t.missing)
        && pointsDropped == t.pointsDropped
        && Arrays.equals(samples, t.samples)
        && firstReading == t.firstReading
        && lastReading == t.lastReading
        && spikes == t.spikes;
  }

  @Override
  public int hashCode() {
    return runUuid.hashCode() * 31 + Arrays.hashCode(time);
  }

  /** Grid points kept. */
  public int size() {
    return time.length;
  }

  /** Grid time of row {@code r}, ns since the epoch. */
  public long time(int r) {
    return time[r];
  }

  long[] times() {
    return time;
  }

  public long stepNanos() {
    return stepNanos;
  }

  /** Column {@code name} of {@link SensorsParquet#RUN_COLUMNS}, NaN for null; null if absent. */
  public double[] column(String name) {
    int i = SensorsParquet.RUN_COLUMNS.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("no column " + name);
    }
    return columns[i];
  }

  double[][] columns() {
    return columns;
  }

  public Set<Signal> missing() {
    return EnumSet.copyOf(missing.isEmpty() ? EnumSet.noneOf(Signal.class) : missing);
  }

  public long pointsDropped() {
    return pointsDropped;
  }

  /** Readings per signal (after cleaning), in {@link Signal} order. */
  public long[] samples() {
    return samples.clone();
  }

  public long firstReading() {
    return firstReading;
  }

  public long lastReading() {
    return lastReading;
  }

  public long spikes() {
    return spikes;
  }

  /**
   * The most grid points one run may have: each is held in memory while the run is aligned (about
   * 350 bytes: the twelve signals, the kinematics, the time), so this bounds a run to ~700 MB. At
   * the default 10 ms step it is 5.5 hours of run; {@link AlignRuns} rejects longer runs.
   */
  public static final long MAX_GRID_POINTS = 2_000_000L;

  /** The grid points a run's signals give on {@code spec}'s grid (0 when they do not overlap). */
  static long gridPoints(Map<Signal, SignalSeries> signals, AlignSpec spec) {
    long step = spec.stepNanos();
    long start = Long.MIN_VALUE;
    long end = Long.MAX_VALUE;
    boolean any = false;
    for (SignalSeries s : signals.values()) {
      if (s.size() > 0) {
        any = true;
        start = Math.max(start, s.time(0));
        end = Math.min(end, s.time(s.size() - 1));
      }
    }
    if (!any || end < start) {
      return 0;
    }
    long grid0 = Math.floorDiv(start, step) * step;
    if (grid0 < start) {
      grid0 += step;
    }
    return grid0 > end ? 0 : (end - grid0) / step + 1;
  }

  /**
   * Aligns a run's signals (each sorted by time with unique times, as {@link CleanReadings} leaves
   * them) and derives the kinematics.
   *
   * @throws IllegalArgumentException if the run has more than {@link #MAX_GRID_POINTS} grid points
   */
  public static RunTable align(String runUuid, Map<Signal, SignalSeries> signals, AlignSpec spec) {
    long gridPoints = gridPoints(signals, spec);
    if (gridPoints > MAX_GRID_POINTS) {
      throw new IllegalArgumentException(
          "run " + runUuid + " has " + gridPoints + " grid points, more than " + MAX_GRID_POINTS);
    }
    long step = spec.stepNanos();
    long[] samples = new long[12];
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    long spikes = 0;
    long start = Long.MIN_VALUE;
    long end = Long.MAX_VALUE;
    EnumSet<Signal> missing = EnumSet.allOf(Signal.class);
    for (Map.Entry<Signal, SignalSeries> e : signals.entrySet()) {
      SignalSeries s = e.getValue();
      if (s.size() == 0) {
        continue;
      }
      missing.remove(e.getKey());
      samples[e.getKey().ordinal()] = s.size();
      first = Math.min(first, s.time(0));
      last = Math.max(last, s.time(s.size() - 1));
      start = Math.max(start, s.time(0));
      end = Math.min(end, s.time(s.size() - 1));
      for (int i = 0; i < s.size(); i++) {
        if (s.spike(i)) {
          spikes++;
        }
      }
    }
    int points = 0;
    long grid0 = 0;
    if (missing.size() < 12 && end >= start) {
      grid0 = Math.floorDiv(start, step) * step;
      if (grid0 < start) {
        grid0 += step;
      }
      if (grid0 <= end) {
        points = Math.toIntExact((end - grid0) / step + 1);
      }
    }
    boolean[] keep = new boolean[points];
    Arrays.fill(keep, true);
    double[][] raw = new double[12][];
    for (Signal sig : Signal.ALL) {
      SignalSeries s = signals.get(sig);
      if (s == null || s.size() == 0) {
        continue;
      }
      raw[sig.ordinal()] = interpolate(s, grid0, step, points, gapLimit(s, spec), keep);
    }
    int kept = 0;
    for (boolean k : keep) {
      if (k) {
        kept++;
      }
    }
    long[] time = new long[kept];
    double[][] cols = new double[SensorsParquet.RUN_COLUMNS.size()][];
    for (int c = 0; c < 12; c++) {
      if (raw[c] != null) {
        cols[c] = new double[kept];
      }
    }
    for (int p = 0, r = 0; p < points; p++) {
      if (keep[p]) {
        time[r] = grid0 + p * step;
        for (int c = 0; c < 12; c++) {
          if (raw[c] != null) {
            cols[c][r] = raw[c][p];
          }
        }
        r++;
      }
    }
    derive(time, step, cols);
    return new RunTable(
        runUuid,
        step,
        time,
        cols,
        missing,
        points - kept,
        samples,
        first == Long.MAX_VALUE ? 0 : first,
        last == Long.MIN_VALUE ? 0 : last,
        spikes);
  }

  /** The gap a signal's interpolation may bridge. */
  static long gapLimit(SignalSeries s, AlignSpec spec) {
    if (spec.maxGapNanos() > 0) {
      return spec.maxGapNanos();
    }
    int n = s.size();
    if (n < 2) {
      return 0;
    }
    long[] d = new long[n - 1];
    for (int i = 1; i < n; i++) {
      d[i - 1] = s.time(i) - s.time(i - 1);
    }
    Arrays.sort(d);
    return AlignSpec.AUTO_FACTOR * d[(n - 1) / 2];
  }

  private static double[] interpolate(
      SignalSeries s, long grid0, long step, int points, long maxGap, boolean[] keep) {
    double[] out = new double[points];
    long[] t = s.times();
    double[] v = s.values();
    int j = 0;
    for (int p = 0; p < points; p++) {
      long g = grid0 + p * step;
      while (j + 1 < t.length && t[j + 1] <= g) {
        j++;
      }
      if (t[j] == g) {
        out[p] = v[j];
      } else if (j + 1 < t.length && t[j] < g) {
        long gap = t[j + 1] - t[j];
        if (gap > maxGap) {
          keep[p] = false;
          out[p] = Double.NaN;
        } else {
          double w = (double) (g - t[j]) / gap;
          out[p] = v[j] + w * (v[j + 1] - v[j]);
        }
      } else {
        keep[p] = false; // outside the signal's readings: cannot happen inside the overlap span
        out[p] = Double.NaN;
      }
    }
    return out;
  }

  /** Fills velocity, acceleration and magnitude columns from the signal columns. */
  private static void derive(long[] time, long step, double[][] cols) {
    int n = time.length;
    double h = step / 1e9;
    int base = 12;
    for (int axis = 0; axis < 3; axis++) {
      for (int robot = 1; robot <= 2; robot++) {
        Signal pos = Signal.of(false, axis, robot);
        double[] x = cols[pos.ordinal()];
        if (x == null) {
          continue;
        }
        int k = (pos.ordinal() - 6); // 0..5 in vx_1, vx_2, vy_1, ... order
        double[] v = new double[n];
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          boolean prev = i > 0 && time[i] - time[i - 1] == step;
          boolean next = i + 1 < n && time[i + 1] - time[i] == step;
          boolean prev2 = prev && i > 1 && time[i - 1] - time[i - 2] == step;
          boolean next2 = next && i + 2 < n && time[i + 2] - time[i + 1] == step;
          if (prev && next) {
            v[i] = (x[i + 1] - x[i - 1]) / (2 * h);
            a[i] = (x[i + 1] - 2 * x[i] + x[i - 1]) / (h * h);
          } else {
            if (next2) {
              v[i] = (-3 * x[i] + 4 * x[i + 1] - x[i + 2]) / (2 * h);
              a[i] = (x[i + 2] - 2 * x[i + 1] + x[i]) / (h * h);
            } else if (prev2) {
              v[i] = (3 * x[i] - 4 * x[i - 1] + x[i - 2]) / (2 * h);
              a[i] = (x[i] - 2 * x[i - 1] + x[i - 2]) / (h * h);
            } else if (next) {
              v[i] = (x[i + 1] - x[i]) / h;
              a[i] = Double.NaN;
            } else if (prev) {
              v[i] = (x[i] - x[i - 1]) / h;
              a[i] = Double.NaN;
            } else {
              v[i] = Double.NaN;
              a[i] = Double.NaN;
            }
          }
        }
        cols[base + k] = v;
        cols[base + 6 + k] = a;
      }
    }
    int mag = base + 12;
    for (int robot = 1; robot <= 2; robot++) {
      cols[mag + robot - 1] = magnitude(cols, base + robot - 1, n); // v1, v2
      cols[mag + 2 + robot - 1] = magnitude(cols, base + 6 + robot - 1, n); // a1, a2
      cols[mag + 4 + robot - 1] = magnitude(cols, Signal.of(true, 0, robot).ordinal(), n); // f1, f2
    }
  }

  /** |(c[first], c[first + 2], c[first + 4])|, or null if an axis is missing. */
  private static double[] magnitude(double[][] cols, int first, int n) {
    double[] x = cols[first];
    double[] y = cols[first + 2];
    double[] z = cols[first + 4];
    if (x == null || y == null || z == null) {
      return null;
    }
    double[] m = new double[n];
    for (int i = 0; i < n; i++) {
      m[i] = Math.sqrt(x[i] * x[i] + y[i] * y[i] + z[i] * z[i]);
    }
    return m;
  }
}
