package dev.strata.pipelines;

import dev.strata.pipelines.launcher.BuildInfo;
import dev.strata.pipelines.launcher.Job;
import dev.strata.pipelines.launcher.RunnerArgs;
import dev.strata.pipelines.market.MarketGenerator;
import dev.strata.pipelines.market.MarketJob;
import dev.strata.pipelines.market.download.KaggleDownload;
import dev.strata.pipelines.sensors.SensorsGenerator;
import dev.strata.pipelines.sensors.SensorsJob;
import dev.strata.pipelines.warehouse.WarehouseGenerator;
import dev.strata.pipelines.warehouse.WarehouseJob;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The command line of {@code strata.jar}: {@code java -jar strata.jar <job> [--option=value ...]
 * [@runner-configs/<runner>.args]}. {@code --help} lists the jobs, {@code <job> --help} a job's
 * options. A job that runs Beam pipelines and is given no {@code --runner} runs on embedded Flink
 * ({@link RunnerArgs#withDefaultRunner}).
 */
public final class Strata {
  /** Every job of the jar, in the order {@code --help} lists them. */
  static final List<Job> JOBS =
      List.of(
          MarketJob.JOB,
          SensorsJob.JOB,
          WarehouseJob.JOB,
          MarketGenerator.JOB,
          SensorsGenerator.JOB,
          WarehouseGenerator.JOB);

  private Strata() {}

  public static void main(String[] args) throws Exception {
    int code;
    try {
      code = run(args, System.out, System.err);
    } catch (KaggleDownload.Failed e) {
      // A download that cannot succeed says why in one line; a stack trace would add nothing.
      System.err.println("[download] FAILED: " + e.getMessage());
      code = 1;
    } catch (IllegalArgumentException e) {
      // A mistake of the user's (an unknown option, a missing folder): what is wrong, in one line.
      String m = String.valueOf(e.getMessage()).strip();
      System.err.println("error: " + (m.contains("\n") ? m.substring(0, m.indexOf('\n')) : m));
      code = 2;
    }
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs one command line; returns the exit code (0 ok, 1 a failed job, 2 a usage error). */
  public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0 || isHelp(args[0])) {
      usage(out);
      return args.length == 0 ? 2 : 0;
    }
    Optional<Job> job = JOBS.stream().filter(j -> j.name().equals(args[0])).findFirst();
    if (job.isEmpty()) {
      err.println("unknown job '" + args[0] + "'");
      usage(err);
      return 2;
    }
    String[] rest = RunnerArgs.expand(Arrays.copyOfRange(args, 1, args.length));
    fileNameEncoding(rest, fileNameCharset(), err);
    if (Arrays.stream(rest).anyMatch(Strata::isHelp)) {
      PipelineOptionsFactory.printHelp(out, job.get().options());
      return 0;
    }
    if (job.get().beam()) {
      rest = RunnerArgs.withDefaultRunner(rest);
    }
    return job.get().command().run(rest, out);
  }

  /**
   * The charset the JVM encodes file names with: {@code sun.jnu.encoding}, taken from the locale
   * when the JVM starts and not settable afterwards (Java ignores {@code -Dsun.jnu.encoding}).
   */
  static Charset fileNameCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (RuntimeException e) {
      return StandardCharsets.UTF_8;
    }
  }

  /**
   * Under a locale whose file-name charset is not UTF-8 ({@code LC_ALL=POSIX}: ASCII), an argument
   * the charset cannot hold is an error naming the fix, not an {@code InvalidPathException} about
   * "unmappable characters"; otherwise one warning says that non-ASCII file names cannot be read.
   */
  static void fileNameEncoding(String[] args, Charset names, PrintStream err) {
    if (names.equals(StandardCharsets.UTF_8)) {
      return;
    }
    String fix =
        "run java under a UTF-8 locale, e.g. LC_ALL=C.UTF-8 java -jar strata.jar ... (Java takes"
            + " the file-name encoding from the locale at start-up)";
    for (String a : args) {
      if (!names.newEncoder().canEncode(a)) {
        throw new IllegalArgumentException(
            a
                + " has characters that file names cannot hold in this JVM (sun.jnu.encoding="
                + names
                + "): "
                + fix);
      }
    }
    err.println(
        "warning: file names are read as "
            + names
            + ", so files whose names hold other characters cannot be read; "
            + fix);
  }

  private static boolean isHelp(String arg) {
    return List.of("--help", "-h", "help").contains(arg);
  }

  private static void usage(PrintStream out) {
    out.println("strata " + BuildInfo.version() + ": portable data pipelines on Apache Beam");
    out.println();
    out.println(
        "usage: java -jar pipelines/target/strata.jar <job> [--option=value ...]"
            + " [@runner-configs/<runner>.args]");
    out.println();
    out.println("jobs:");
    for (Job j : JOBS) {
      for (int i = 0; i < j.usage().size(); i++) {
        out.printf("  %-18s %s%n", i == 0 ? j.name() : "", j.usage().get(i));
      }
    }
    out.println();
    out.println(
        "`<job> --help` lists every option of a job. Jobs run on embedded Flink unless --runner"
            + " (or a runner config in runner-configs/) says otherwise.");
  }
}
