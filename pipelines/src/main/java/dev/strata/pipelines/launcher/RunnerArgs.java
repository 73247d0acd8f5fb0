package dev.strata.pipelines.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Expands {@code @file} arguments: each {@code @path} is replaced by the lines of that file, one
 * {@code --flag=value} per line; blank lines and {@code #} comments are skipped. This is how {@code
 * runner-configs/*.args} are used on a command line. Option names may also be written in kebab case
 * ({@code --replace-from=...} is {@code --replaceFrom=...}): Beam knows only camel case.
 *
 * <p>A job given no {@code --runner} runs on embedded Flink ({@link #withDefaultRunner}): the flags
 * of {@code runner-configs/flink-local.args}, which the build copies into the jar, so the file and
 * the default cannot drift apart.
 */
public final class RunnerArgs {
  /** The default runner's flags, {@code runner-configs/flink-local.args} on the class path. */
  static final String DEFAULT_RUNNER_ARGS = "flink-local.args";

  private static final String FLINK_RUNNER = "org.apache.beam.runners.flink.FlinkRunner";

  private RunnerArgs() {}

  /**
   * {@code args} with the default runner's flags added when no {@code --runner} is among them:
   * embedded Flink, the fast path on one machine. A flag the caller gave wins over the default's.
   * In a jar built without the Flink runner, {@code args} are returned as they are (Beam's own
   * default then applies, the DirectRunner if present).
   */
  public static String[] withDefaultRunner(String... args) {
    boolean chosen = false;
    for (String a : args) {
      chosen |= a.equals("--runner") || a.startsWith("--runner=");
    }
    if (chosen || !onClassPath(FLINK_RUNNER)) {
      return withDirectRunnerDefaults(args);
    }
    return appendMissing(args, defaultRunnerLines());
  }

  /**
   * On the DirectRunner, {@code args} with its per-element model checks off unless the caller set
   * them: {@code --enforceImmutability} and {@code --enforceEncodability} encode every element
   * before and after every transform, to catch a DoFn that mutates its input. They are for tests,
   * where {@code TestPipeline} keeps them on; a job run from the command line only pays for them (a
   * third of the DirectRunner's time on the market features).
   */
  static String[] withDirectRunnerDefaults(String... args) {
    String runner = null;
    for (String a : args) {
      if (a.startsWith("--runner=")) {
        runner = a.substring("--runner=".length());
      }
    }
    if (runner == null) {
      return args;
    }
    String simple = runner.substring(runner.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    if (!simple.equals("directrunner") && !simple.equals("direct")) {
      return args;
    }
    return appendMissing(
        args, List.of("--enforceImmutability=false", "--enforceEncodability=false"));
  }

  /** {@code args} and then each of {@code lines} whose flag is not among them. */
  private static String[] appendMissing(String[] args, List<String> lines) {
    Set<String> given =
        java.util.Arrays.stream(args).map(RunnerArgs::flagName).collect(Collectors.toSet());
    // appended, so that a subcommand such as "verify" stays the first argument
    List<String> out = new ArrayList<>(List.of(args));
    for (String line : lines) {
      if (!given.contains(flagName(line))) {
        out.add(line);
      }
    }
    return out.toArray(new String[0]);
  }

  /** The lines of the bundled default runner configuration, comments and blanks left out. */
  static List<String> defaultRunnerLines() {
    try (InputStream in = RunnerArgs.class.getResourceAsStream(DEFAULT_RUNNER_ARGS)) {
      if (in == null) {
        throw new IllegalStateException(
            DEFAULT_RUNNER_ARGS + " is missing from the class path: rebuild with mvn package");
      }
      return lines(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> lines(List<String> raw) {
    List<String> out = new ArrayList<>();
    for (String line : raw) {
      String t = line.strip();
      if (!t.isEmpty() && !t.startsWith("#")) {
        out.add(camelCase(t));
      }
    }
    return out;
  }

  private static String flagName(String arg) {
    int eq = arg.indexOf('=');
    return eq < 0 ? arg : arg.substring(0, eq);
  }

  private static boolean onClassPath(String className) {
    try {
      Class.forName(className, false, RunnerArgs.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  public static String[] expand(String... args) {
    List<String> out = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("@") && arg.length() > 1) {
        Path file = Path.of(arg.substring(1));
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException(
              "options file "
                  + file
                  + " does not exist (an @file argument names a runner config such as"
                  + " @runner-configs/flink-local.args, relative to the current folder)");
        }
        try {
          out.addAll(lines(Files.readAllLines(file)));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read options file " + file, e);
        }
      } else {
        out.add(camelCase(arg));
      }
    }
    return out.toArray(new String[0]);
  }

  /**
   * {@code --a-b-c=v} as {@code --aBC=v}; the value and anything not an option stay as they are.
   */
  static String camelCase(String arg) {
    if (!arg.startsWith("--") || arg.length() < 3) {
      return arg;
    }
    int eq = arg.indexOf('=');
    String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
    if (name.indexOf('-') < 0) {
      return arg;
    }
    StringBuilder b = new StringBuilder("--");
    boolean up = false;
    for (char c : name.toCharArray()) {
      if (c == '-') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b + (eq < 0 ? "" : arg.substring(eq));
  }
}
