package dev.strata.pipelines.market.download;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The credentials from kaggle.json, and the errors that name the file but never the key. */
public class KaggleCredentialsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final String KEY = "0123456789abcdef0123456789abcdef";

  @Before
  public void noCredentialsInTheEnvironment() {
    // KAGGLE_USERNAME and KAGGLE_KEY win over any file
    assumeTrue(System.getenv("KAGGLE_USERNAME") == null || System.getenv("KAGGLE_KEY") == null);
  }

  Path kaggleJson(String content) throws Exception {
    Path file = tmp.newFolder("kaggle").toPath().resolve("kaggle.json");
    Files.writeString(file, content);
    return file;
  }

  @Test
  public void kaggleJsonGivesTheBasicAuthHeader() throws Exception {
    Path file = kaggleJson("{\"username\": \"strata-test\", \"key\": \"" + KEY + "\"}");
    assertEquals(
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("strata-test:" + KEY).getBytes(StandardCharsets.UTF_8)),
        KaggleCredentials.basicAuth(file));
  }

  @Test
  public void noFileSaysWhereToPutOne() throws Exception {
    Path dir = tmp.newFolder("empty").toPath();
    KaggleDownload.Failed e =
        assertThrows(
            KaggleDownload.Failed.class,
            () -> KaggleCredentials.basicAuth(dir.resolve("kaggle.json")));
    assertEquals(
        "no Kaggle credentials: set KAGGLE_USERNAME and KAGGLE_KEY, or put kaggle.json in " + dir,
        e.getMessage());
    e = assertThrows(KaggleDownload.Failed.class, () -> KaggleCredentials.basicAuth(null));
    assertTrue(e.getMessage(), e.getMessage().endsWith("put kaggle.json in ~/.kaggle"));
  }

  @Test
  public void aFileThatIsNotKagglesJsonIsRefusedWithoutShowingIt() throws Exception {
    Path file = kaggleJson("username=strata-test key=" + KEY);
    KaggleDownload.Failed e =
        assertThrows(KaggleDownload.Failed.class, () -> KaggleCredentials.basicAuth(file));
    assertEquals(
        file + " is not the JSON file Kaggle gives ({\"username\", \"key\"})", e.getMessage());
    assertFalse("the key leaked", e.getMessage().contains(KEY));
  }

  @Test
  public void aFileWithoutTheKeyIsRefused() throws Exception {
    Path file = kaggleJson("{\"username\": \"strata-test\"}");
    KaggleDownload.Failed e =
        assertThrows(KaggleDownload.Failed.class, () -> KaggleCredentials.basicAuth(file));
    assertEquals(file + " lacks \"username\" or \"key\"", e.getMessage());
  }
}
