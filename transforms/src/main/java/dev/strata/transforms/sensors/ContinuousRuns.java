package dev.strata.transforms.sensors;

import dev.strata.transforms.common.Checksums;
import dev.strata.transforms.common.Failure;
import dev.strata.transforms.common.Store;
import dev.strata.transforms.common.WriteRejectFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The continuous sensors job after its file arrivals: each arrived file version is parsed and
 * staged once ({@link StageFn}: its accepted readings by run, its rejects, its entry in the {@link
 * RunLedger}); each run a version touches is recomputed from all of its readings once no new file
 * has touched it for {@code settle} ({@link SettleFn}: clean, align, statistics, with the cores of
 * the batch transforms {@link CleanReadings#clean} and {@link AlignRuns#align}, so a run comes out
 * as the batch job makes it); then {@code run_stats/} is rebuilt from the run records ({@link
 * PublishFn}, one writer). Other runs' files are not touched.
 *
 * <p>Consumes unbounded stable file versions (e.g. {@code WatchArrivals}) in the global window;
 * works on processing-time timers only (no event time reaches it on Flink). Nothing lives only in
 * Beam state: a crash loses at most work the ledger does not yet record, and {@link
 * RunLedger#dirtyRuns} finds it again. {@link #recover} does that at the start of the pipeline,
 * before the watch it gates lists anything, and its {@link #DIRTY} runs go to {@link #recomputing}.
 * Counters (namespace: this class): {@link #FILES_STAGED}, {@link #ROWS_READ}, {@link
 * #ROWS_REJECTED}, {@link #RUNS_RECOMPUTED}, {@link #FILES_GONE}.
 */
public final class ContinuousRuns extends PTransform<PCollection<Metadata>, PDone> {
  public static final String FILES_STAGED = "filesStaged";
  public static final String ROWS_READ = "rowsRead";
  public static final String ROWS_REJECTED = "rowsRejected";
  public static final String RUNS_RECOMPUTED = "runsRecomputed";
  public static final String FILES_GONE = "filesGoneAtStart";

  /** {@link #recover}'s main output: its input (the globs to watch), once the ledger is tidy. */
  public static final TupleTag<String> WATCH = new TupleTag<String>("watch") {};

  /** {@link #recover}'s runs to recompute first: their outputs do not match their files. */
  public static final TupleTag<String> DIRTY = new TupleTag<String>("dirty") {};

  /** How a run is made from its readings: the batch job's rules. */
  public record Rules(
      ReadingRules readings, SpikeDetector spikes, boolean dropSpikes, AlignSpec align)
      implements java.io.Serializable {}

  private final RunLedger ledger;
  private final Rules rules;
  private final Duration settle;
  private final @Nullable PCollection<String> dirty;

  private ContinuousRuns(
      RunLedger ledger, Rules rules, Duration settle, @Nullable PCollection<String> dirty) {
    this.ledger = ledger;
    this.rules = rules;
    this.settle = settle;
    this.dirty = dirty;
  }

  public static ContinuousRuns into(RunLedger ledger, Rules rules, Duration settle) {
    return new ContinuousRuns(ledger, rules, settle, null);
  }

  /** Also recomputes {@code runs} ({@link #recover}'s {@link #DIRTY} output). */
  public ContinuousRuns recomputing(PCollection<String> runs) {
    return new ContinuousRuns(ledger, rules, settle, runs);
  }

  /**
   * The start of a continuous job: makes the ledger consistent after a crash ({@link
   * RunLedger#tidy}: gone files forgotten, orphans and temporary files removed), republishes {@code
   * run_stats/} from the run records, and only then passes its input on ({@link #WATCH}), with the
   * runs to recompute ({@link #DIRTY}). Gating the watch on it means no file is staged while the
   * ledger is being tidied. {@code options} (a JSON object of the rules) must equal what the ledger
   * was made with ({@link RunLedger#requireOptions}).
   */
  public static Recover recover(RunLedger ledger, String options) {
    return new Recover(ledger, options);
  }

  /** See {@link #recover}. */
  public static final class Recover extends PTransform<PCollection<String>, PCollectionTuple> {
    private final RunLedger ledger;
    private final String options;

    private Recover(RunLedger ledger, String options) {
      this.ledger = ledger;
      this.options = options;
    }

    @Override
    public PCollectionTuple expand(PCollection<String> globs) {
      PCollectionTuple out =
          globs.apply(
              "TidyLedger",
              ParDo.of(new RecoverFn(ledger, options))
                  .withOutputTags(WATCH, TupleTagList.of(DIRTY)));
      out.get(WATCH).setCoder(StringUtf8Coder.of());
      out.get(DIRTY).setCoder(StringUtf8Coder.of());
      return out;
    }
  }

  static final class RecoverFn extends DoFn<String, String> {
    private final RunLedger ledger;
    private final String options;
    private final Counter gone = Metrics.counter(ContinuousRuns.class, FILES_GONE);

    RecoverFn(RunLedger ledger, String options) {
      this.ledger = ledger;
      this.options = options;
    }

    @ProcessElement
    public void process(@Element String glob, MultiOutputReceiver out) throws IOException {
      ledger.create().requireOptions(options);
      gone.inc(ledger.tidy().size());
      for (String r : ledger.dirtyRuns()) {
        out.get(DIRTY).output(r);
      }
      ledger.publishStats(ledger.runs().values());
      out.get(WATCH).output(glob);
    }
  }

  @Override
  public PDone expand(PCollection<Metadata> files) {
    KvCoder<String, String> pairs = KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of());
    PCollection<KV<String, String>> touched =
        files
            .apply(
                "ByPath",
                WithKeys.of((Metadata m) -> m.resourceId().toString())
                    .withKeyType(TypeDescriptors.strings()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), MetadataCoderV2.of()))
            .apply("StageFileVersions", ParDo.of(new StageFn(ledger, rules.readings())))
            .setCoder(pairs);
    PCollectionList<KV<String, String>> all = PCollectionList.of(touched);
    if (dirty != null) {
      all =
          all.and(
              dirty
                  .apply(
                      "DirtyAtStart",
                      MapElements.into(
                              TypeDescriptors.kvs(
                                  TypeDescriptors.strings(), TypeDescriptors.strings()))
                          .via((String r) -> KV.of(r, "(start)")))
                  .setCoder(pairs));
    }
    all.apply("RunsTouched", Flatten.pCollections())
        .apply("SettleAndRecompute", ParDo.of(new SettleFn(ledger, rules, settle)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
        .apply("PublishRunStats", ParDo.of(new PublishFn(ledger)));
    return PDone.in(files.getPipeline());
  }

  /**
   * Per file version (keyed by path, so one path's versions are staged one at a time): skips a
   * version the ledger holds, else reads the bytes once, hashes and parses them, stages the
   * readings by run, and emits (run, path) for every run the new or the previous version holds. A
   * file that vanished before it was read is rejected ({@code vanished}) and forgotten.
   */
  static final class StageFn extends DoFn<KV<String, Metadata>, KV<String, String>> {
    private final RunLedger ledger;
    private final ReadingRules rules;
    private final Counter staged = Metrics.counter(ContinuousRuns.class, FILES_STAGED);
    private final Counter rowsRead = Metrics.counter(ContinuousRuns.class, ROWS_READ);
    private final Counter rowsRejected = Metrics.counter(ContinuousRuns.class, ROWS_REJECTED);

    // State makes the DoFn keyed: the runner hands one path's versions to one instance, in order,
    // so two versions of a file are never staged at once. What it holds is not read.
    @StateId("seen")
    private final StateSpec<ValueState<Long>> seenSpec = StateSpecs.value(VarLongCoder.of());

    StageFn(RunLedger ledger, ReadingRules rules) {
      this.ledger = ledger;
      this.rules = rules;
    }

    /** A file that could not be staged: one reject file, by name. */
    private void reject(String path, String reason, String message) throws IOException {
      WriteRejectFiles.write(
          ledger.fileRejectsDir(),
          Failure.of("StageFileVersions", path, null, reason, message, ""));
    }

    @ProcessElement
    public void process(
        @Element KV<String, Metadata> e,
        @StateId("seen") ValueState<Long> seen,
        OutputReceiver<KV<String, String>> out)
        throws IOException {
      Metadata m = e.getValue();
      String path = e.getKey();
      RunLedger.Entry previous = ledger.entry(path);
      if (previous != null
          && previous.size() == m.sizeBytes()
          && previous.mtime() == m.lastModifiedMillis()) {
        return; // this version is staged already (a restart lists every file again)
      }
      byte[] bytes;
      try (InputStream in = Channels.newInputStream(FileSystems.open(m.resourceId()))) {
        bytes = in.readAllBytes();
      } catch (FileNotFoundException | NoSuchFileException gone) {
        reject(path, "vanished", "the file was gone when it was to be read");
        if (previous != null) {
          ledger.remove(previous);
          for (String r : previous.runs().keySet()) {
            out.output(KV.of(r, path));
          }
        }
        return;
      } catch (IOException unreadable) {
        // Not read is not changed: the version on record (if any) stays, and this one is tried
        // again when it changes or at the next start.
        reject(
            path, "unreadable", "the file cannot be read: " + ReadingFilesFn.firstLine(unreadable));
        return;
      }
      String sha = Checksums.sha256(bytes);
      if (previous != null && previous.sha256().equals(sha)) {
        ledger.restat(previous, m.sizeBytes(), m.lastModifiedMillis()); // touched, not changed
        return;
      }
      Map<String, List<SignalSeries>> byRun = new TreeMap<>();
      List<Failure> rejects = new ArrayList<>();
      long[] counts =
          ReadingFilesFn.read(
              path,
              bytes,
              rules,
              s -> byRun.computeIfAbsent(s.runUuid(), k -> new ArrayList<>()).add(s),
              rejects::add);
      RunLedger.Entry now =
          ledger.stage(
              path, m.sizeBytes(), m.lastModifiedMillis(), sha, counts, byRun, rejects, previous);
      staged.inc();
      rowsRead.inc(counts[0]);
      rowsRejected.inc(counts[2]);
      seen.write(m.lastModifiedMillis());
      TreeSet<String> runs = new TreeSet<>(now.runs().keySet());
      if (previous != null) {
        runs.addAll(previous.runs().keySet());
      }
      for (String r : runs) {
        out.output(KV.of(r, path));
      }
    }
  }

  /**
   * Per run: waits until no file has touched it for {@code settle} (a processing-time timer reset
   * by every touch), then recomputes it from all of its staged readings and publishes its files,
   * then its record. Emits ("stats", run) for {@link PublishFn}.
   */
  static final class SettleFn extends DoFn<KV<String, String>, KV<String, String>> {
    private final RunLedger ledger;
    private final Rules rules;
    private final Duration settle;
    private final Counter recomputed = Metrics.counter(ContinuousRuns.class, RUNS_RECOMPUTED);

    @StateId("run")
    private final StateSpec<ValueState<String>> runSpec = StateSpecs.value(StringUtf8Coder.of());

    @TimerId("settle")
    private final TimerSpec settleSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    SettleFn(RunLedger ledger, Rules rules, Duration settle) {
      this.ledger = ledger;
      this.rules = rules;
      this.settle = settle;
    }

    @ProcessElement
    public void process(
        @Element KV<String, String> touch,
        @StateId("run") ValueState<String> run,
        @TimerId("settle") Timer timer) {
      run.write(touch.getKey());
      timer.offset(settle).setRelative();
    }

    @OnTimer("settle")
    public void onSettled(
        @StateId("run") ValueState<String> run, OutputReceiver<KV<String, String>> out)
        throws IOException {
      String r = run.read();
      if (r == null) {
        return;
      }
      run.clear();
      recompute(ledger, rules, r, System.currentTimeMillis() * 1000L);
      recomputed.inc();
      out.output(KV.of("stats", r));
    }
  }

  /**
   * Recomputes one run from the staged readings of every file version that holds it, writes its
   * outputs (each atomically) and then its record; a run no file holds any more is removed.
   */
  public static void recompute(RunLedger ledger, Rules rules, String run, long nowMicros)
      throws IOException {
    List<RunLedger.Entry> entries = ledger.entriesOf(run);
    String fingerprint = RunLedger.fingerprint(entries);
    List<SignalSeries> pieces = new ArrayList<>();
    for (RunLedger.Entry e : entries) {
      List<SignalSeries> staged = ledger.staged(e, run);
      if (staged == null) {
        // A newer version replaced this one since the listing: it touches this run again, and
        // the run is recomputed once that has settled.
        return;
      }
      pieces.addAll(staged);
    }
    if (pieces.isEmpty()) {
      ledger.deleteOutputs(run);
      ledger.removeRun(run);
      return;
    }
    Map<Signal, List<SignalSeries>> bySignal = new EnumMap<>(Signal.class);
    for (SignalSeries s : pieces) {
      bySignal.computeIfAbsent(s.signal(), k -> new ArrayList<>()).add(s);
    }
    List<Failure> rejects = new ArrayList<>();
    List<SignalSeries> clean = new ArrayList<>();
    for (List<SignalSeries> signal : bySignal.values()) {
      CleanReadings.Cleaned c =
          CleanReadings.clean(signal, rules.spikes(), rules.dropSpikes(), rejects::add);
      if (c.series() != null) {
        clean.add(c.series());
      }
    }
    Map<String, Long> sources = RunSources.of(pieces).getOrDefault(run, Map.of());
    RunLedger.writeParquet(
        ledger.sourcesFile(run), RunSources.SCHEMA, w -> RunSources.writeRows(w, run, sources));
    RunStatistics stats = null;
    if (clean.isEmpty()) {
      Store.deleteIfExists(ledger.cleanFile(run));
    } else {
      RunLedger.writeParquet(
          ledger.cleanFile(run),
          SensorsParquet.CLEAN,
          w -> {
            for (SignalSeries s : clean) {
              SensorsParquet.writeClean(w, s);
            }
          });
      RunTable t = AlignRuns.align(run, clean, rules.align(), rejects::add);
      if (t != null) {
        RunLedger.writeParquet(
            ledger.runFile(run), SensorsParquet.RUN, w -> SensorsParquet.writeRun(w, t));
        stats = RunStatistics.of(t).withLineage(sources.size(), nowMicros);
      }
    }
    if (stats == null) {
      ledger.deleteRunFile(run);
    }
    if (rejects.isEmpty()) {
      Store.deleteIfExists(ledger.runRejects(run));
    } else {
      RunLedger.writeRejects(ledger.runRejects(run), rejects);
    }
    ledger.putRun(new RunLedger.RunRecord(run, fingerprint, stats));
  }

  /**
   * The one writer of {@code run_stats/} (one key, so one instance at a time): rewrites the file
   * from every run's record after each recomputed run.
   */
  static final class PublishFn extends DoFn<KV<String, String>, Void> {
    private final RunLedger ledger;

    // State makes the DoFn keyed, so its one key is one instance: one writer of run_stats/.
    @StateId("published")
    private final StateSpec<ValueState<Long>> publishedSpec = StateSpecs.value(VarLongCoder.of());

    PublishFn(RunLedger ledger) {
      this.ledger = ledger;
    }

    @ProcessElement
    public void process(
        @Element KV<String, String> e, @StateId("published") ValueState<Long> published)
        throws IOException {
      ledger.publishStats(ledger.runs().values());
      Long n = published.read();
      published.write(n == null ? 1 : n + 1);
    }
  }
}
