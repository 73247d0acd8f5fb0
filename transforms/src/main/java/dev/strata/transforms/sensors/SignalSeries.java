package dev.strata.transforms.sensors;

import dev.strata.transforms.common.Failure;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The readings of one signal of one run, columnar: times (nanoseconds since the epoch, UTC),
 * values, and for each reading the file and line it came from and whether it was flagged as a
 * spike. Built per file by {@link ParseReadingFiles}, merged and cleaned per (run, signal) by
 * {@link CleanReadings}, which leaves it sorted by time with unique times. Encoded by {@link
 * SignalSeriesCoder}.
 */
@DefaultCoder(SignalSeriesCoder.class)
public final class SignalSeries implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String runUuid;
  private final Signal signal;
  private final long[] times;
  private final double[] values;
  private final String[] sources;
  private final int[] sourceIndex;
  private final long[] lines;
  private final boolean @Nullable [] spikes;

  SignalSeries(
      String runUuid,
      Signal signal,
      long[] times,
      double[] values,
      String[] sources,
      int[] sourceIndex,
      long[] lines,
      boolean @Nullable [] spikes) {
    this.runUuid = runUuid;
    this.signal = signal;
    this.times = times;
    this.values = values;
    this.sources = sources;
    this.sourceIndex = sourceIndex;
    this.lines = lines;
    this.spikes = spikes;
  }

  /** A series from one source (tests and generators). */
  public static SignalSeries of(
      String runUuid, Signal signal, long[] times, double[] values, String source) {
    long[] lines = new long[times.length];
    for (int i = 0; i < lines.length; i++) {
      lines[i] = i + 1;
    }
    return new SignalSeries(
        runUuid, signal, times, values, new String[] {source}, new int[times.length], lines, null);
  }

  public String runUuid() {
    return runUuid;
  }

  public Signal signal() {
    return signal;
  }

  public int size() {
    return times.length;
  }

  public long time(int i) {
    return times[i];
  }

  public double value(int i) {
    return values[i];
  }

  public String source(int i) {
    return sources[sourceIndex[i]];
  }

  public long line(int i) {
    return lines[i];
  }

  /** True if reading {@code i} was flagged as an isolated spike. */
  public boolean spike(int i) {
    return spikes != null && spikes[i];
  }

  long[] times() {
    return times;
  }

  double[] values() {
    return values;
  }

  String[] sources() {
    return sources;
  }

  int[] sourceIndex() {
    return sourceIndex;
  }

  long[] lines() {
    return lines;
  }

  boolean @Nullable [] spikes() {
    return spikes;
  }

  /**
   * One (run, signal)'s pieces as one series sorted by time, keeping file order among equal times:
   * pieces are ordered by their first reading's source and line first, since the order pieces from
   * different files arrive in is whatever the runner delivers. Used by {@link CleanReadings} and
   * {@link AlignRuns}.
   */
  static SignalSeries sortedByTime(Iterable<SignalSeries> pieces) {
    List<SignalSeries> list = new java.util.ArrayList<>();
    pieces.forEach(list::add);
    list.sort(
        Comparator.comparing((SignalSeries s) -> s.source(0)).thenComparingLong(s -> s.line(0)));
    SignalSeries all = concat(list);
    Integer[] idx = new Integer[all.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, Comparator.comparingLong(all::time));
    int[] order = new int[idx.length];
    boolean sortedAlready = true;
    for (int i = 0; i < idx.length; i++) {
      order[i] = idx[i];
      sortedAlready &= order[i] == i;
    }
    return sortedAlready ? all : all.select(order);
  }

  /** The pieces concatenated (same run and signal), in the given order. */
  static SignalSeries concat(List<SignalSeries> pieces) {
    if (pieces.size() == 1) {
      return pieces.get(0);
    }
    int n = 0;
    java.util.LinkedHashMap<String, Integer> sourceIds = new java.util.LinkedHashMap<>();
    for (SignalSeries p : pieces) {
      n += p.size();
      for (String s : p.sources) {
        sourceIds.putIfAbsent(s, sourceIds.size());
      }
    }
    long[] t = new long[n];
    double[] v = new double[n];
    int[] si = new int[n];
    long[] l = new long[n];
    boolean[] sp = new boolean[n];
    int at = 0;
    for (SignalSeries p : pieces) {
      System.arraycopy(p.times, 0, t, at, p.size());
      System.arraycopy(p.values, 0, v, at, p.size());
      System.arraycopy(p.lines, 0, l, at, p.size());
      for (int i = 0; i < p.size(); i++) {
        si[at + i] = sourceIds.get(p.sources[p.sourceIndex[i]]);
        sp[at + i] = p.spike(i);
      }
      at += p.size();
    }
    return new SignalSeries(
        pieces.get(0).runUuid,
        pieces.get(0).signal,
        t,
        v,
        sourceIds.keySet().toArray(new String[0]),
        si,
        l,
        sp);
  }

  /** The readings at {@code index}, in that order. */
  SignalSeries select(int[] index) {
    int n = index.length;
    long[] t = new long[n];
    double[] v = new double[n];
    int[] si = new int[n];
    long[] l = new long[n];
    boolean[] sp = new boolean[n];
    for (int k = 0; k < n; k++) {
      int i = index[k];
      t[k] = times[i];
      v[k] = values[i];
      si[k] = sourceIndex[i];
      l[k] = lines[i];
      sp[k] = spike(i);
    }
    return new SignalSeries(runUuid, signal, t, v, sources, si, l, sp);
  }

  SignalSeries withSpikes(boolean[] flags) {
    return new SignalSeries(runUuid, signal, times, values, sources, sourceIndex, lines, flags);
  }

  @Override
  public String toString() {
    return "SignalSeries{" + runUuid + " " + signal.column() + ", " + times.length + " readings}";
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof SignalSeries)) {
      return false;
    }
    SignalSeries that = (SignalSeries) o;
    return runUuid.equals(that.runUuid)
        && signal == that.signal
        && Arrays.equals(times, that.times)
        && Arrays.equals(values, that.values);
  }

  @Override
  public int hashCode() {
    return runUuid.hashCode() * 31 + signal.hashCode();
  }

  /** The dead-letter record of reading {@code i}: its file, line and what it was. */
  Failure rejectReading(String step, int i, String reason, String message) {
    return Failure.of(
        step,
        source(i),
        line(i),
        reason,
        message,
        "run_uuid="
            + runUuid()
            + " "
            + signal().column()
            + " time_ns="
            + time(i)
            + " value="
            + value(i));
  }
}
