package dev.strata.pipelines.testing;

import dev.strata.pipelines.Strata;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

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

  /** A job's entry point called directly with its options, as the tests of one job do. */
  @FunctionalInterface
  public interface Entry<O extends PipelineOptions, R> {
    R run(O options, PrintStream log) throws Exception;
  }

  /**
   * Runs {@code entry} on {@code --input=input --output=output extra...} parsed as {@code type},
   * with its log captured and echoed (also when it fails); returns what the entry returns.
   */
  public static <O extends PipelineOptions, R> R direct(
      Entry<O, R> entry, Class<O> type, Object input, Path output, String... extra)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("--input=" + input, "--output=" + output));
    args.addAll(List.of(extra));
    O options =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).withValidation().as(type);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try {
      return entry.run(options, new PrintStream(log, true, StandardCharsets.UTF_8));
    } finally {
      System.out.print(log.toString(StandardCharsets.UTF_8));
    }
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
