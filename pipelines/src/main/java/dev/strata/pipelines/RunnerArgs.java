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
 * runner-configs/*.args} are used on a command line. Option names may also be written in kebab case
 * ({@code --replace-from=...} is {@code --replaceFrom=...}): Beam knows only camel case.
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
              out.add(camelCase(t));
            }
          }
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
