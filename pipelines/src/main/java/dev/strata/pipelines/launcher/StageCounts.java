package dev.strata.pipelines.launcher;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a stage body reports once its work is done: the row accounting that {@link StageRunner}
 * checks (rows in = rows out + rows rejected + rows dropped), rejects by reason, the transforms'
 * counters, the runner's name and any extra manifest fields. Filled by the body, read once by the
 * runner.
 */
public final class StageCounts {
  private long rowsIn;
  private long rowsOut;
  private long rowsRejected;
  private long rowsDropped;
  private String runner = "";
  private String unit = "rows";
  private final Map<String, Long> rejectedByReason = new TreeMap<>();
  private final Map<String, Long> counters = new TreeMap<>();
  private final Map<String, Object> extra = new TreeMap<>();

  public StageCounts rowsIn(long n) {
    rowsIn = n;
    return this;
  }

  public StageCounts rowsOut(long n) {
    rowsOut = n;
    return this;
  }

  public StageCounts rowsRejected(long n) {
    rowsRejected = n;
    return this;
  }

  /** Rows dropped on purpose and counted, not written anywhere (e.g. exact duplicates). */
  public StageCounts rowsDropped(long n) {
    rowsDropped = n;
    return this;
  }

  /**
   * What the stage counts, in its console line ({@code rows} unless set): the warehouse load
   * accounts per file, and its line says {@code files in -> ... out}.
   */
  public StageCounts unit(String plural) {
    unit = plural;
    return this;
  }

  public String unit() {
    return unit;
  }

  /** The runner the stage ran on, as the manifest names it (e.g. {@code FlinkRunner}). */
  public StageCounts runner(String name) {
    runner = name;
    return this;
  }

  /** A counter for the manifest's {@code counters} object. */
  public StageCounts counter(String name, long value) {
    counters.put(name, value);
    return this;
  }

  /** Rows of {@code reason} not turned into output, when they are not in a reject file. */
  public StageCounts rejected(String reason, long n) {
    if (n > 0) {
      rejectedByReason.merge(reason, n, Long::sum);
    }
    return this;
  }

  /** A top-level manifest field of the stage's own (e.g. {@code outputs}, {@code metrics}). */
  public StageCounts extra(String field, Object value) {
    extra.put(field, value);
    return this;
  }

  public long rowsIn() {
    return rowsIn;
  }

  public long rowsOut() {
    return rowsOut;
  }

  public long rowsRejected() {
    return rowsRejected;
  }

  public long rowsDropped() {
    return rowsDropped;
  }

  public String runner() {
    return runner;
  }

  /** Rejects by reason; mutable, so that a reject-file count can fill it in place. */
  public Map<String, Long> rejectedByReason() {
    return rejectedByReason;
  }

  public Map<String, Long> counters() {
    return counters;
  }

  public long counter(String name) {
    return counters.getOrDefault(name, 0L);
  }

  public Map<String, Object> extra() {
    return extra;
  }

  /** Whether rows in = rows out + rows rejected + rows dropped. */
  public boolean balances() {
    return rowsIn == rowsOut + rowsRejected + rowsDropped;
  }
}
