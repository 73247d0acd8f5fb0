package dev.strata.pipelines.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/** The default runner: embedded Flink exactly as runner-configs/flink-local.args, unless chosen. */
public class RunnerArgsTest {
  @Test
  public void withoutARunnerTheJobsGetTheFlinkLocalConfig() throws Exception {
    List<String> file = RunnerArgs.defaultRunnerLines();
    // the bundled copy is the file in runner-configs/, line for line
    assertEquals(List.of(RunnerArgs.expand("@../runner-configs/flink-local.args")), file);
    assertTrue(file.contains("--runner=FlinkRunner"));
    assertTrue(file.contains("--flinkMaster=[local]"));
    List<String> args = List.of(RunnerArgs.withDefaultRunner("--input=x"));
    assertEquals(file.size() + 1, args.size());
    assertEquals("--input=x", args.get(0));
    assertTrue(args.containsAll(file));
  }

  @Test
  public void aFlagTheUserGaveWinsOverTheDefaults() {
    List<String> args = List.of(RunnerArgs.withDefaultRunner("--parallelism=1", "--input=x"));
    assertEquals(1, args.stream().filter(a -> a.startsWith("--parallelism")).count());
    assertTrue(args.contains("--parallelism=1"));
    assertTrue(args.contains("--runner=FlinkRunner"));
  }

  @Test
  public void aChosenRunnerGetsNoFlinkFlags() {
    assertEquals(
        List.of("--runner=FlinkRunner", "--flinkMaster=localhost:8081", "--input=x"),
        List.of(
            RunnerArgs.withDefaultRunner(
                "--runner=FlinkRunner", "--flinkMaster=localhost:8081", "--input=x")));
  }

  @Test
  public void theDirectRunnerRunsWithoutItsTestChecksUnlessAsked() {
    List<String> checksOff = List.of("--enforceImmutability=false", "--enforceEncodability=false");
    for (String runner :
        List.of("DirectRunner", "org.apache.beam.runners.direct.DirectRunner", "direct")) {
      List<String> args = List.of(RunnerArgs.withDefaultRunner("--runner=" + runner, "--input=x"));
      assertEquals(List.of("--runner=" + runner, "--input=x"), args.subList(0, 2));
      assertEquals(checksOff, args.subList(2, args.size()));
    }
    // the caller's choice wins
    assertEquals(
        List.of(
            "--runner=DirectRunner",
            "--enforceImmutability=true",
            "--input=x",
            "--enforceEncodability=false"),
        List.of(
            RunnerArgs.withDefaultRunner(
                "--runner=DirectRunner", "--enforceImmutability=true", "--input=x")));
  }

  @Test
  public void aMissingArgsFileIsAClearError() throws Exception {
    Path none = Files.createTempDirectory("args").resolve("nope.args");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RunnerArgs.expand("@" + none));
    assertTrue(e.getMessage(), e.getMessage().contains("does not exist"));
  }
}
