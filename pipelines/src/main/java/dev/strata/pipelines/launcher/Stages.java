package dev.strata.pipelines.launcher;

import java.util.ArrayList;
import java.util.List;

/** The {@code --stages} option: which of a job's stages to run, in the job's DAG order. */
public final class Stages {
  private Stages() {}

  /**
   * The stages named in {@code text} (comma-separated), checked against {@code known}; all of
   * {@code known} when {@code text} is null (the option was not given).
   */
  public static List<String> parse(String text, List<String> known) {
    if (text == null) {
      return known;
    }
    List<String> stages = new ArrayList<>();
    for (String s : text.split(",")) {
      String t = s.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (!known.contains(t)) {
        throw new IllegalArgumentException(
            "--stages must name stages from " + known + ", but had '" + t + "'");
      }
      stages.add(t);
    }
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("--stages must name at least one of " + known);
    }
    return stages;
  }
}
