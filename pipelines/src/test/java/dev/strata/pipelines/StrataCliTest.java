package dev.strata.pipelines;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.strata.pipelines.launcher.RunnerArgs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class StrataCliTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static String run(int expectedCode, String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    assertEquals(expectedCode, Strata.run(args, ps, ps));
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  public void helpListsJobsAndOptions() throws Exception {
    String help = run(0, "--help");
    assertEquals(
        java.util.List.of(
            "market",
            "sensors",
            "warehouse",
            "generate-market",
            "generate-sensors",
            "generate-warehouse"),
        help.lines()
            .filter(l -> l.matches("  [a-z-]+ .*"))
            .map(l -> l.trim().split(" ")[0])
            .toList());
    String market = run(0, "market", "--help");
    // the shared options (JobOptions, StagedJobOptions) and the job's own, with the job's wording
    for (String option : new String[] {"--input", "--output", "--stages", "--force", "--window"}) {
      assertTrue(option, market.contains(option + "="));
    }
    assertTrue(market, market.contains("Kaggle stock-market-dataset layout"));
    String warehouse = run(0, "warehouse", "--help");
    assertTrue(warehouse, warehouse.contains("--jdbcUrl="));
    assertTrue(warehouse, !warehouse.contains("--stages="));
    assertTrue(run(2, "no-such-job").contains("unknown job 'no-such-job'"));
  }

  @Test
  public void runnerConfigFilesExpand() throws Exception {
    Path args = tmp.newFile("x.args").toPath();
    Files.writeString(args, "# comment\n--runner=FlinkRunner\n\n  --parallelism=2  \n");
    assertEquals(
        java.util.List.of("--a=1", "--runner=FlinkRunner", "--parallelism=2"),
        java.util.List.of(RunnerArgs.expand("--a=1", "@" + args)));
    // option names in kebab case are Beam's camel case; values are left alone
    assertEquals(
        java.util.List.of(
            "--replaceFrom=2023-01-02T00:00", "--keepRunning", "--flinkMaster=[local]", "x-y"),
        java.util.List.of(
            RunnerArgs.expand(
                "--replace-from=2023-01-02T00:00",
                "--keep-running",
                "--flinkMaster=[local]",
                "x-y")));
    // the shipped configs hold runner flags only
    for (String f :
        new String[] {"direct.args", "flink-local.args", "flink-cluster.args", "dataflow.args"}) {
      for (String line : Files.readAllLines(Path.of("../runner-configs", f))) {
        assertTrue(line, line.isBlank() || line.startsWith("#") || line.startsWith("--"));
        assertTrue(line, !line.contains("--input") && !line.contains("--output"));
      }
    }
  }

  /**
   * Under LC_ALL=POSIX the JVM encodes file names as ASCII and a unicode --input failed with
   * "Malformed input or input contains unmappable characters" (or matched nothing, silently); the
   * encoding cannot be changed once the JVM runs, so the error names the fix.
   */
  @Test
  public void underAnAsciiLocaleAUnicodePathIsAnErrorNamingTheFix() throws Exception {
    java.nio.file.Path dir =
        java.nio.file.Files.createDirectories(tmp.getRoot().toPath().resolve("ünï"));
    ProcessBuilder pb =
        new ProcessBuilder(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Strata.class.getName(),
                "sensors",
                "--input=" + dir + "/*.csv",
                "--output=" + tmp.getRoot().toPath().resolve("out"),
                "--runner=DirectRunner")
            .redirectErrorStream(true);
    pb.environment().put("LC_ALL", "POSIX");
    pb.environment().remove("LANG");
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(log, 2, p.waitFor());
    java.util.List<String> lines = log.lines().filter(l -> !l.startsWith("SLF4J")).toList();
    assertEquals(log, 1, lines.size());
    assertTrue(log, lines.get(0).startsWith("error: --input="));
    assertTrue(log, lines.get(0).contains("LC_ALL=C.UTF-8"));
  }

  @Test
  public void underAnAsciiLocaleAJobWarnsThatOtherFileNamesCannotBeRead() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    Strata.fileNameEncoding(new String[] {"--input=data"}, StandardCharsets.US_ASCII, ps);
    assertTrue(
        out.toString(StandardCharsets.UTF_8)
            .startsWith("warning: file names are read as US-ASCII"));
    out.reset();
    Strata.fileNameEncoding(new String[] {"--input=dätä"}, StandardCharsets.UTF_8, ps);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }
}
