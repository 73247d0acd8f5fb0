package dev.strata.transforms.common;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult.Metadata;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Requirements;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.Watch.Growth;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Files as they arrive under file patterns, each version once it is complete: the source of the
 * continuous modes. Globs in, {@link Metadata} (with size and modification time) out, unbounded.
 *
 * <p><b>When a file counts as arrived</b> ({@link #isCandidate}): names starting with {@code .} or
 * {@code _} and names ending in {@code .tmp}, {@code .part} or {@code .inprogress} are never read
 * (a producer that renames into place writes under such a name first). Any other file is emitted
 * once its size and modification time have stayed the same for one poll, checked by reading them
 * again when the poll's timer fires, so a file still being written in place is not emitted half. A
 * file that changes afterwards (a new size or modification time) is emitted again, as a new
 * version; the same version is never emitted twice in a row.
 *
 * <p><b>How.</b> A {@link Watch} lists the patterns every {@code poll}; its output key is (path,
 * modification time), so it passes on each version once. Its poll function paces itself: on the
 * Flink runner (Beam 2.62) Watch does not wait its poll interval between polls but polls without
 * pause. The watermark is not used: on Flink it does not reach downstream timers while Watch runs,
 * so stability is decided by processing-time timers in the global window. Watch's own state (the
 * versions seen) is not the record of what was processed: consumers keep that (the warehouse's
 * ledger), so a restart that sees every file again repeats no work that was committed.
 *
 * <p>Polling stops (and the pipeline can finish) once the file {@code stopMarker} exists, if one is
 * given: that is how a continuous job stops cleanly.
 */
public final class WatchArrivals extends PTransform<PCollection<String>, PCollection<Metadata>> {
  /** Name of the counter of file versions emitted as arrived. */
  public static final String ARRIVED = "arrived";

  private final Duration poll;
  private final String stopMarker;

  private WatchArrivals(Duration poll, String stopMarker) {
    this.poll = poll;
    this.stopMarker = stopMarker;
  }

  /** Polls every {@code poll}, for ever. */
  public static WatchArrivals every(Duration poll) {
    if (poll.getMillis() < 100) {
      throw new IllegalArgumentException("the poll interval must be at least 100 ms, not " + poll);
    }
    return new WatchArrivals(poll, null);
  }

  /** Stops polling once {@code marker} exists. */
  public WatchArrivals stoppingAt(String marker) {
    return new WatchArrivals(poll, marker);
  }

  /** Whether a file name may be read at all (see the class comment). */
  public static boolean isCandidate(String fileName) {
    return !(fileName.isEmpty()
        || fileName.startsWith(".")
        || fileName.startsWith("_")
        || fileName.endsWith(".tmp")
        || fileName.endsWith(".part")
        || fileName.endsWith(".inprogress"));
  }

  @Override
  public PCollection<Metadata> expand(PCollection<String> globs) {
    Growth<String, Metadata, KV<String, Long>> watch =
        Watch.growthOf(
                Contextful.<Growth.PollFn<String, Metadata>>of(
                    new PacedListing(poll), Requirements.empty()),
                new VersionKey())
            .withPollInterval(poll)
            .withOutputCoder(MetadataCoderV2.of())
            .withOutputKeyCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
    if (stopMarker != null) {
      watch = watch.withTerminationPerInput(new UntilMarker(stopMarker));
    }
    return globs
        .apply("ListEveryPoll", watch)
        .apply("Versions", Values.create())
        .apply("ByPath", ParDo.of(new ByPath()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), MetadataCoderV2.of()))
        .apply("AwaitStable", ParDo.of(new AwaitStableFn(poll, stopMarker)))
        .setCoder(MetadataCoderV2.of());
  }

  /** Lists a pattern, no sooner than {@code poll} after its previous listing. */
  static final class PacedListing extends Growth.PollFn<String, Metadata> {
    private final long pollMillis;
    private transient Map<String, Long> lastPoll;

    PacedListing(Duration poll) {
      this.pollMillis = poll.getMillis();
    }

    @Override
    public Growth.PollResult<Metadata> apply(String glob, Context c) throws Exception {
      if (lastPoll == null) {
        lastPoll = new ConcurrentHashMap<>();
      }
      Long last = lastPoll.get(glob);
      if (last != null) {
        long wait = last + pollMillis - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
      }
      long start = System.currentTimeMillis();
      lastPoll.put(glob, start);
      List<Metadata> files = new ArrayList<>();
      for (Metadata m : FileSystems.match(glob, EmptyMatchTreatment.ALLOW).metadata()) {
        ResourceId id = m.resourceId();
        if (!id.isDirectory() && id.getFilename() != null && isCandidate(id.getFilename())) {
          files.add(m);
        }
      }
      Instant now = new Instant(start);
      return Growth.PollResult.incomplete(now, files).withWatermark(now);
    }
  }

  /** A file version: its path and modification time. */
  static final class VersionKey implements SerializableFunction<Metadata, KV<String, Long>> {
    @Override
    public KV<String, Long> apply(Metadata m) {
      return KV.of(m.resourceId().toString(), m.lastModifiedMillis());
    }
  }

  /** Polling goes on until the marker file exists. */
  static final class UntilMarker implements Growth.TerminationCondition<String, Integer> {
    private final String marker;

    UntilMarker(String marker) {
      this.marker = marker;
    }

    @Override
    public Coder<Integer> getStateCoder() {
      return VarIntCoder.of();
    }

    @Override
    public Integer forNewInput(Instant now, String input) {
      return 0;
    }

    @Override
    public Integer onSeenNewOutput(Instant now, Integer state) {
      return state;
    }

    @Override
    public boolean canStopPolling(Instant now, Integer state) {
      return exists(marker);
    }

    @Override
    public String toString(Integer state) {
      return "until " + marker + " exists";
    }
  }

  static boolean exists(String path) {
    try {
      FileSystems.matchSingleFileSpec(path);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static final class ByPath extends DoFn<Metadata, KV<String, Metadata>> {
    @ProcessElement
    public void process(@Element Metadata m, OutputReceiver<KV<String, Metadata>> out) {
      out.output(KV.of(m.resourceId().toString(), m));
    }
  }

  /**
   * Per path: holds the newest version seen and checks it again one poll later; emits it if its
   * size and modification time did not change, else waits another poll for the version now on disk.
   * Never emits the version it emitted last again (Watch may deliver a version after the check
   * already emitted it). A file that vanished is forgotten.
   */
  static final class AwaitStableFn extends DoFn<KV<String, Metadata>, Metadata> {
    private final Duration poll;
    private final String stopMarker;
    private final Counter arrived = Metrics.counter(WatchArrivals.class, ARRIVED);

    @StateId("pending")
    private final StateSpec<ValueState<Metadata>> pendingSpec =
        StateSpecs.value(MetadataCoderV2.of());

    @StateId("emitted")
    private final StateSpec<ValueState<Metadata>> emittedSpec =
        StateSpecs.value(MetadataCoderV2.of());

    @TimerId("check")
    private final TimerSpec checkSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    AwaitStableFn(Duration poll, String stopMarker) {
      this.poll = poll;
      this.stopMarker = stopMarker;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Metadata> e,
        @StateId("pending") ValueState<Metadata> pending,
        @StateId("emitted") ValueState<Metadata> emitted,
        @TimerId("check") Timer check) {
      Metadata m = e.getValue();
      Metadata done = emitted.read();
      if (done != null && sameVersion(done, m)) {
        return;
      }
      Metadata p = pending.read();
      if (p != null && m.lastModifiedMillis() < p.lastModifiedMillis()) {
        return; // an older listing, delivered late
      }
      pending.write(m);
      check.offset(poll).setRelative();
    }

    @OnTimer("check")
    public void onCheck(
        OnTimerContext c,
        @StateId("pending") ValueState<Metadata> pending,
        @StateId("emitted") ValueState<Metadata> emitted,
        @TimerId("check") Timer check)
        throws IOException {
      Metadata p = pending.read();
      if (p == null || (stopMarker != null && exists(stopMarker))) {
        return; // stopping: what was not emitted is seen again on the next start
      }
      Metadata now;
      try {
        now = FileSystems.matchSingleFileSpec(p.resourceId().toString());
      } catch (FileNotFoundException gone) {
        pending.clear();
        return;
      }
      if (!sameVersion(now, p)) {
        pending.write(now);
        check.offset(poll).setRelative();
        return;
      }
      pending.clear();
      Metadata done = emitted.read();
      if (done != null && sameVersion(done, p)) {
        return;
      }
      emitted.write(p);
      arrived.inc();
      c.output(p);
    }

    private static boolean sameVersion(Metadata a, Metadata b) {
      return a.sizeBytes() == b.sizeBytes() && a.lastModifiedMillis() == b.lastModifiedMillis();
    }
  }
}
