package dev.strata.pipelines.testing;

import dev.strata.pipelines.Strata;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code strata} command in a JVM of its own (the tests' classpath), its output in a log file:
 * how the continuous jobs are tested, since they are stopped by signals ({@code kill -9}, SIGTERM).
 */
public final class ChildJob {
  private ChildJob() {}

  /** Starts {@code strata args...}, stdout and stderr to {@code log}. */
  public static Process start(Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Strata.class.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Waits up to 120 s for {@code text} in the log; fails if the job ends first. */
  public static void awaitLog(Path log, Process child, String text) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (!Files.readString(log).contains(text)) {
      if (!child.isAlive() || System.currentTimeMillis() > deadline) {
        throw new AssertionError("no '" + text + "' in: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  /**
   * Sends SIGTERM and waits up to 60 s for the job to end; fails unless it ended, with status 0.
   * Returns its log.
   */
  public static String sigterm(Process child, Path log) throws Exception {
    new ProcessBuilder("kill", "-TERM", Long.toString(child.pid())).start().waitFor();
    boolean ended = child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
    if (!ended) {
      child.destroyForcibly();
    }
    String text = Files.readString(log);
    if (!ended) {
      throw new AssertionError("did not stop within 60 s of SIGTERM: " + text);
    }
    if (child.exitValue() != 0) {
      throw new AssertionError("exit " + child.exitValue() + " after SIGTERM: " + text);
    }
    return text;
  }

  /**
   * Writes {@code bytes} to {@code file} in place, in {@code parts} pieces {@code pauseMs} apart: a
   * producer still writing when the job lists the file.
   */
  public static void writeSlowly(byte[] bytes, Path file, int parts, long pauseMs)
      throws Exception {
    try (OutputStream o = Files.newOutputStream(file)) {
      int piece = bytes.length / parts + 1;
      for (int off = 0; off < bytes.length; off += piece) {
        if (off > 0) {
          Thread.sleep(pauseMs);
        }
        o.write(bytes, off, Math.min(piece, bytes.length - off));
        o.flush();
      }
    }
  }
}
