package dev.strata.pipelines.launcher;

import java.io.PrintStream;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * One entry of {@code strata.jar}'s command line: a name, a few lines for the job list, the options
 * interface {@code <job> --help} prints, whether it runs Beam pipelines (and so gets the default
 * runner), and the command itself. Each job package defines its own; the CLI only lists them.
 *
 * @param name the first argument that selects the job, e.g. {@code market}
 * @param usage lines for {@code --help}'s job list, the first one a summary
 * @param options the options interface of the job
 * @param beam whether the job runs Beam pipelines, so that {@link RunnerArgs#withDefaultRunner}
 *     applies
 * @param command runs the job on its (expanded) arguments and returns the exit code
 */
public record Job(
    String name,
    List<String> usage,
    Class<? extends PipelineOptions> options,
    boolean beam,
    Command command) {

  /** What a job does with its arguments; returns the process exit code. */
  @FunctionalInterface
  public interface Command {
    int run(String[] args, PrintStream out) throws Exception;
  }

  /**
   * Parses and validates a job's arguments as {@code type} ({@link OptionValues}: an unknown option
   * or a value of the wrong type is one line naming it); a {@link JobOptions} job without {@code
   * --output} writes to {@code out/<job>}. A Beam job's options are registered (runners and workers
   * see them); a generator's are not, so that its defaults (another {@code --seed}) never meet a
   * job's in the one registry of a JVM.
   */
  public static <O extends PipelineOptions> O parse(String job, String[] args, Class<O> type) {
    if (JobOptions.class.isAssignableFrom(type)) {
      PipelineOptionsFactory.register(type);
    }
    OptionValues.check(job, args, type);
    O options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(type);
    } catch (IllegalArgumentException e) {
      // what Beam itself refuses (a missing required option, an unknown runner): its first line,
      // never Jackson's source locations
      String m = String.valueOf(e.getMessage()).strip();
      int nl = m.indexOf('\n');
      throw new IllegalArgumentException(
          (nl < 0 ? m : m.substring(0, nl).strip()) + " (`" + job + " --help` lists the options)",
          e);
    }
    if (options instanceof JobOptions o && (o.getOutput() == null || o.getOutput().isBlank())) {
      o.setOutput("out/" + job);
    }
    return options;
  }
}
