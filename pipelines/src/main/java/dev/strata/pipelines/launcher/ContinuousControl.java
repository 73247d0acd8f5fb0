package dev.strata.pipelines.launcher;

import dev.strata.transforms.common.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.io.fs.ResourceId;
import sun.misc.Signal;

/**
 * What every {@code --continuous} job shares: its control folder {@code <output>/_continuous/} and
 * the stop marker in it. {@link #open} removes a stale marker and installs the SIGTERM / Ctrl-C
 * handler first, so a stop at any moment from then on is a marker the job's watch sees (before its
 * first listing too: then the pipeline starts, sees it and ends). The handler replaces the JVM's,
 * so the process is not killed with status 143: the job drains and its command returns 0.
 */
public final class ContinuousControl {
  private final Path folder;
  private final Path marker;
  private final AtomicBoolean stopAsked = new AtomicBoolean();

  private ContinuousControl(Path folder) {
    this.folder = folder;
    this.marker = folder.resolve("stop");
  }

  /**
   * The control folder of {@code output} (a local directory: the marker must be seen by every
   * worker), with the signal handlers installed; {@code stage} names the job's log lines.
   */
  public static ContinuousControl open(ResourceId output, String stage, PrintStream log)
      throws IOException {
    if (!Store.isLocal(output)) {
      throw new IllegalArgumentException(
          "--continuous keeps its stop marker in --output, which must be a local directory here");
    }
    ContinuousControl c =
        new ContinuousControl(
            Files.createDirectories(Path.of(Store.str(output)).resolve("_continuous")));
    Files.deleteIfExists(c.marker);
    Runnable stop =
        () -> {
          if (c.stopAsked.compareAndSet(false, true)) {
            log.printf("[%s] stopping: no new listings; what is in flight commits%n", stage);
            try {
              Files.writeString(c.marker, "stop\n");
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
  public Path folder() {
    return folder;
  }

  /** The stop marker's path, for {@code WatchArrivals.stoppingAt}. */
  public String stopMarker() {
    return marker.toString();
  }
}
