package dev.strata.pipelines.launcher;

import java.beans.Introspector;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Checks a command line against the types of the options it sets before Beam parses it, so that a
 * bad value is one line naming the option, what is wrong and what is valid ({@code --force must be
 * true or false, not 'maybe'}), not a Jackson message without the option's name. Any option of any
 * job: the job's own interface and every registered options interface (runners' included); values
 * of types not checked here (strings, lists, durations a job parses itself) are left to Beam and
 * the job.
 */
final class OptionValues {
  private OptionValues() {}

  /**
   * Throws {@link IllegalArgumentException} with one line for the first argument that is not an
   * option of {@code type} or has a value its type cannot hold.
   */
  static void check(String job, String[] args, Class<? extends PipelineOptions> type) {
    Map<String, Class<?>> types = propertyTypes(type);
    Map<String, String> seen = new HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new IllegalArgumentException(
            "unexpected argument '" + arg + "': options look like --name=value" + help(job));
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      String value = eq < 0 ? null : arg.substring(eq + 1);
      Class<?> t = types.get(name);
      if (t == null) {
        throw new IllegalArgumentException("--" + name + " is not an option of " + job + help(job));
      }
      String before = seen.put(name, value);
      if (before != null && !t.isArray() && !Iterable.class.isAssignableFrom(t)) {
        throw new IllegalArgumentException(
            "--" + name + " is given twice ('" + before + "' and '" + value + "')" + help(job));
      }
      if (value == null && t != boolean.class && t != Boolean.class) {
        throw new IllegalArgumentException(
            "--" + name + " needs a value: --" + name + "=..." + help(job));
      }
      String problem = problem(t, value);
      if (problem != null) {
        throw new IllegalArgumentException(
            "--" + name + " must be " + problem + ", not '" + value + "'" + help(job));
      }
    }
  }

  private static String help(String job) {
    return " (`" + job + " --help` lists the options)";
  }

  /** What {@code value} must be for type {@code t}, or null when it is fine (or not checked). */
  static String problem(Class<?> t, String value) {
    if (t == boolean.class || t == Boolean.class) {
      // a bare --flag means true
      return value == null || value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")
          ? null
          : "true or false";
    }
    if (t == int.class || t == Integer.class) {
      return whole(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }
    if (t == long.class || t == Long.class) {
      return whole(value, Long.MIN_VALUE, Long.MAX_VALUE);
    }
    if (t == short.class || t == Short.class) {
      return whole(value, Short.MIN_VALUE, Short.MAX_VALUE);
    }
    if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
      String what = "a finite decimal number";
      if (value == null || !value.trim().matches("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?")) {
        return what;
      }
      double d = Double.parseDouble(value.trim());
      return Double.isInfinite(d)
              || (t != double.class && t != Double.class && Float.isInfinite((float) d))
          ? what
          : null;
    }
    if (t.isEnum()) {
      Set<String> names =
          Arrays.stream(t.getEnumConstants())
              .map(c -> ((Enum<?>) c).name())
              .collect(Collectors.toCollection(LinkedHashSet::new));
      return value != null && names.contains(value.trim()) ? null : "one of " + names;
    }
    return null;
  }

  private static String whole(String value, long min, long max) {
    String what = String.format(Locale.ROOT, "a whole number from %d to %d", min, max);
    if (value == null || !value.trim().matches("[+-]?\\d+")) {
      return what;
    }
    try {
      long v = Long.parseLong(value.trim());
      return v < min || v > max ? what : null;
    } catch (NumberFormatException e) {
      return what;
    }
  }

  /** Property name to getter type, over {@code type} and every registered options interface. */
  private static Map<String, Class<?>> propertyTypes(Class<? extends PipelineOptions> type) {
    Map<String, Class<?>> out = new HashMap<>();
    // the job's own interface first: its types are the ones the job means
    Set<Class<?>> interfaces = new LinkedHashSet<>();
    interfaces.add(type);
    interfaces.addAll(PipelineOptionsFactory.getRegisteredOptions());
    for (Class<?> i : interfaces) {
      for (Method m : i.getMethods()) {
        if (m.getParameterCount() != 0 || m.getDeclaringClass() == Object.class) {
          continue;
        }
        String n = m.getName();
        String property;
        if (n.startsWith("get") && n.length() > 3) {
          property = Introspector.decapitalize(n.substring(3));
        } else if (n.startsWith("is") && n.length() > 2 && m.getReturnType() == boolean.class) {
          property = Introspector.decapitalize(n.substring(2));
        } else {
          continue;
        }
        out.putIfAbsent(property, m.getReturnType());
      }
    }
    return out;
  }
}
