package dev.strata.pipelines.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Parsing a job's arguments: the output default and the required input. */
public class JobTest {
  /** A job's options as a job would declare them. */
  public interface ExampleOptions extends JobOptions {}

  /**
   * Options of every type a job may declare (names no job uses: Beam refuses one property with two
   * types across the registered interfaces of a JVM).
   */
  public interface TypedOptions extends StagedJobOptions {
    enum Mode {
      FAST,
      EXACT
    }

    @org.apache.beam.sdk.options.Default.Integer(5)
    int getExampleWindow();

    void setExampleWindow(int value);

    @org.apache.beam.sdk.options.Default.Double(1.0)
    double getExampleThreshold();

    void setExampleThreshold(double value);

    @org.apache.beam.sdk.options.Default.Enum("FAST")
    Mode getExampleMode();

    void setExampleMode(Mode value);
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
        usageError("--input=in", "--exampleWindow=abc")
            .startsWith(
                "--exampleWindow must be a whole number from -2147483648 to 2147483647, not 'abc'"));
    assertTrue(
        usageError("--input=in", "--exampleWindow=99999999999")
            .startsWith("--exampleWindow must be a whole number"));
    assertTrue(
        usageError("--input=in", "--exampleThreshold=1.5f")
            .startsWith("--exampleThreshold must be a finite decimal number, not '1.5f'"));
    assertTrue(
        usageError("--input=in", "--exampleMode=slow")
            .startsWith("--exampleMode must be one of [FAST, EXACT]"));
    assertTrue(
        usageError("--input=in", "--bogusOption=1")
            .startsWith("--bogusOption is not an option of example"));
    assertTrue(
        usageError("--input=in", "--exampleWindow").startsWith("--exampleWindow needs a value"));
    assertTrue(
        usageError("--input=in", "--exampleWindow=1", "--exampleWindow=2")
            .startsWith("--exampleWindow is given twice ('1' and '2')"));
    assertTrue(usageError("input=in").startsWith("unexpected argument 'input=in'"));
    assertTrue(usageError().contains("--input"));
    TypedOptions o =
        Job.parse(
            "example",
            new String[] {
              "--input=in",
              "--force",
              "--exampleWindow=7",
              "--exampleThreshold=2e-1",
              "--exampleMode=EXACT"
            },
            TypedOptions.class);
    assertTrue(o.getForce());
    assertEquals(7, o.getExampleWindow());
    assertEquals(0.2, o.getExampleThreshold(), 0);
    assertEquals(TypedOptions.Mode.EXACT, o.getExampleMode());
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
