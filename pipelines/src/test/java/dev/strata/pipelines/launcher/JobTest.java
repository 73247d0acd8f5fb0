package dev.strata.pipelines.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Parsing a job's arguments: the output default and the required input. */
public class JobTest {
  /** A job's options as a job would declare them. */
  public interface ExampleOptions extends JobOptions {}

  /** Options of every type a job may declare. */
  public interface TypedOptions extends StagedJobOptions {
    enum Mode {
      FAST,
      EXACT
    }

    @org.apache.beam.sdk.options.Default.Integer(5)
    int getWindow();

    void setWindow(int value);

    @org.apache.beam.sdk.options.Default.Double(1.0)
    double getThreshold();

    void setThreshold(double value);

    @org.apache.beam.sdk.options.Default.Enum("FAST")
    Mode getMode();

    void setMode(Mode value);
  }

  private static String usageError(String... args) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Job.parse("example", args, TypedOptions.class));
    assertTrue(e.getMessage(), !e.getMessage().contains("\n"));
    assertTrue(e.getMessage(), e.getMessage().endsWith("(`example --help` lists the options)"));
    return e.getMessage();
  }

  @Test
  public void aBadValueIsOneLineNamingTheOptionAndWhatIsValid() {
    assertEquals(
        "--force must be true or false, not 'maybe' (`example --help` lists the options)",
        usageError("--input=in", "--force=maybe"));
    assertTrue(
        usageError("--input=in", "--window=abc")
            .startsWith(
                "--window must be a whole number from -2147483648 to 2147483647, not 'abc'"));
    assertTrue(
        usageError("--input=in", "--window=99999999999")
            .startsWith("--window must be a whole number"));
    assertTrue(
        usageError("--input=in", "--threshold=1.5f")
            .startsWith("--threshold must be a finite decimal number, not '1.5f'"));
    assertTrue(
        usageError("--input=in", "--mode=slow").startsWith("--mode must be one of [FAST, EXACT]"));
    assertTrue(
        usageError("--input=in", "--bogusOption=1")
            .startsWith("--bogusOption is not an option of example"));
    assertTrue(usageError("--input=in", "--window").startsWith("--window needs a value"));
    assertTrue(
        usageError("--input=in", "--window=1", "--window=2")
            .startsWith("--window is given twice ('1' and '2')"));
    assertTrue(usageError("input=in").startsWith("unexpected argument 'input=in'"));
    assertTrue(usageError().contains("--input"));
    TypedOptions o =
        Job.parse(
            "example",
            new String[] {
              "--input=in", "--force", "--window=7", "--threshold=2e-1", "--mode=EXACT"
            },
            TypedOptions.class);
    assertTrue(o.getForce());
    assertEquals(7, o.getWindow());
    assertEquals(0.2, o.getThreshold(), 0);
    assertEquals(TypedOptions.Mode.EXACT, o.getMode());
  }

  @Test
  public void withoutOutputAJobWritesToOutSlashItsName() {
    ExampleOptions o = Job.parse("example", new String[] {"--input=in"}, ExampleOptions.class);
    assertEquals("in", o.getInput());
    assertEquals("out/example", o.getOutput());
    assertEquals(
        "elsewhere",
        Job.parse(
                "example", new String[] {"--input=in", "--output=elsewhere"}, ExampleOptions.class)
            .getOutput());
  }

  @Test
  public void theInputIsRequiredWithAMessageNamingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Job.parse("example", new String[0], ExampleOptions.class));
    assertTrue(e.getMessage(), e.getMessage().contains("--input"));
  }
}
