package dev.strata.pipelines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Expands {@code @file} arguments: each {@code @path} is replaced by the lines of that file, one
 * {@code --flag=value} per line; blank lines and {@code #} comments are skipped. This is how {@code
 * runner-configs/*.args} are used on a command line.
 */
public final class RunnerArgs {
  private RunnerArgs() {}

  public static String[] expand(String... args) {
    List<String> out = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("@") && arg.length() > 1) {
        Path file = Path.of(arg.substring(1));
        try {
          for (String line : Files.readAllLines(file)) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
              out.add(t);
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read options file " + file, e);
        }
      } else {
        out.add(arg);
      }
    }
    return out.toArray(new String[0]);
  }
}
