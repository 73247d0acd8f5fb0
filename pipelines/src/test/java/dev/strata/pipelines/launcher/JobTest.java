package dev.strata.pipelines.launcher;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Parsing a job's arguments: the output default and the required input. */
public class JobTest {
  /** A job's options as a job would declare them. */
  public interface ExampleOptions extends JobOptions {}

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
