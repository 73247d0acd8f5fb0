package dev.strata.pipelines.testing;

import dev.strata.pipelines.Strata;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@code strata.jar} command line in this JVM, as {@code java -jar strata.jar ...} would,
 * and captures what it prints (echoed to the test's stdout too, so a failing test shows the log).
 * Tests name their runner explicitly: {@link #DIRECT} or {@link #FLINK}.
 */
public final class JobRun {
  /** The DirectRunner, with its immutability and encodability checks on (Beam's defaults). */
  public static final String DIRECT = "--runner=DirectRunner";

  /** Embedded Flink, as {@code runner-configs/flink-local.args} sets it. */
  public static final String FLINK = "@../runner-configs/flink-local.args";

  private JobRun() {}

  /** What a command printed and its exit code. */
  public record Result(int code, String log) {}

  /** Runs {@code args} (job name first) and returns its exit code and log. */
  public static Result cli(String... args) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      code = Strata.run(args, out, out);
    }
    String log = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(log);
    return new Result(code, log);
  }

  /** Runs {@code args} and fails, showing the log, unless the command exits 0. */
  public static String ok(String... args) throws Exception {
    Result r = cli(args);
    if (r.code() != 0) {
      throw new AssertionError(
          "exit code " + r.code() + " from " + List.of(args) + ":\n" + r.log());
    }
    return r.log();
  }

  /** {@code job} with {@code first} and then {@code more} arguments, as one array. */
  public static String[] args(String job, List<String> first, String... more) {
    List<String> all = new ArrayList<>();
    all.add(job);
    all.addAll(first);
    all.addAll(List.of(more));
    return all.toArray(new String[0]);
  }
}
