package dev.strata.transforms.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Test;

/**
 * An output inside the input is refused before anything runs: with a recursive glob a rerun would
 * read its own output ({@code sensors --input='dir/**' --output=dir/out} twice: 2,166 rows out and
 * 61,600 rejected, issue 15 item 15).
 */
public class StoreTest {
  private static void refused(String input, String output) {
    IllegalArgumentException e =
        assertThrows(
            input + " / " + output,
            IllegalArgumentException.class,
            () -> Store.requireOutputOutsideInput(input, output));
    assertTrue(e.getMessage(), e.getMessage().contains("is inside --input"));
  }

  @Test
  public void anOutputEqualToOrInsideTheInputIsRefused() {
    refused("data/in", "data/in");
    refused("data/in", "data/in/out");
    refused("data/in/", "./data/in/out/");
    refused("data/in", "data/x/../in/out");
    refused("dir/**", "dir/out");
    refused("dir/*.csv", "dir/out");
    refused("dir/sub/run-?.parquet", "dir/sub");
    refused("gs://bucket/in", "gs://bucket/in/out/");
    refused("gs://bucket/in/*.csv", "gs://bucket/in/out");
  }

  @Test
  public void anOutputBesideTheInputIsFine() {
    Store.requireOutputOutsideInput("data/in", "data/out");
    Store.requireOutputOutsideInput("data/in", "data/in-out");
    Store.requireOutputOutsideInput("dir/sub/*.csv", "dir/out");
    Store.requireOutputOutsideInput("data/machina/sample.csv", "data/machina-out");
    Store.requireOutputOutsideInput("gs://bucket/in", "gs://bucket/out");
    Store.requireOutputOutsideInput("gs://bucket/in", "/local/out");
  }

  @Test
  public void theFixedPartOfAGlobIsItsFoldersBeforeTheFirstWildcard() {
    assertEquals("dir/", Store.globRoot("dir/**"));
    assertEquals("a/b/", Store.globRoot("a/b/c*/d.csv"));
    assertEquals("", Store.globRoot("*.csv"));
    assertEquals("plain/path", Store.globRoot("plain/path"));
  }

  /**
   * A local path that does not exist matches nothing at once. Beam's local file system reads it as
   * a glob and walks its parent's tree: from "/nonexistent" that walked every file of the machine
   * for minutes before saying "matches no file". The timeout only guards against that hang.
   */
  @Test(timeout = 60_000)
  public void aLocalPathThatDoesNotExistMatchesNothingWithoutWalkingItsParent() throws Exception {
    assertEquals(List.of(), Store.match("/nonexistent-" + System.nanoTime()));
    assertEquals(List.of(), Store.match("/nonexistent-" + System.nanoTime() + "/x.csv"));
  }

  @Test
  public void anExistingFileOrAGlobStillMatches() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("store");
    java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("a.csv"), "x");
    assertEquals(1, Store.match(file.toString()).size());
    assertEquals(1, Store.match(dir + "/*.csv").size());
  }
}
