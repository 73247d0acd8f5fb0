package dev.strata.pipelines.launcher;

import dev.strata.transforms.common.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.io.fs.ResourceId;
import sun.misc.Signal;

/**
 * What every {@code --continuous} job shares: its control folder {@code <output>/_continuous/} and
 * the stop marker in it. {@link #open} removes a stale marker and installs the SIGTERM / Ctrl-C
 * handler first, so a stop at any moment from then on is a marker the job's watch sees (before its
 * first listing too: then the pipeline starts, sees it and ends). The handler replaces the JVM's,
 * so the process is not killed with status 143: the job drains and its command returns 0.
 *
 * <p>The folder is on any Beam file system (a local directory, {@code gs://}): every worker of a
 * cluster reads the marker where the launcher wrote it.
 */
public final class ContinuousControl {
  private final ResourceId folder;
  private final ResourceId marker;
  private final AtomicBoolean stopAsked = new AtomicBoolean();

  private ContinuousControl(ResourceId folder) {
    this.folder = folder;
    this.marker = Store.file(folder, "stop");
  }

  /**
   * The control folder of {@code output}, with the signal handlers installed; {@code stage} names
   * the job's log lines.
   */
  public static ContinuousControl open(ResourceId output, String stage, PrintStream log)
      throws IOException {
    ContinuousControl c = new ContinuousControl(Store.sub(output, "_continuous"));
    Store.createDirectory(c.folder);
    Store.deleteIfExists(c.marker);
    Runnable stop =
        () -> {
          if (c.stopAsked.compareAndSet(false, true)) {
            log.printf("[%s] stopping: no new listings; what is in flight commits%n", stage);
            try {
              Store.write(c.marker, "stop\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
              log.printf("[%s] cannot write %s: %s%n", stage, c.marker, e.getMessage());
            }
          }
        };
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), sig -> stop.run());
    }
    return c;
  }

  /** {@code <output>/_continuous/}: the job's own records live here. */
  public ResourceId folder() {
    return folder;
  }

  /** The stop marker, for {@code WatchArrivals.stoppingAt}. */
  public String stopMarker() {
    return marker.toString();
  }
}
