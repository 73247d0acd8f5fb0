package dev.strata.pipelines.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The project's one JSON mapper: manifests, the download manifest, reject lines read back for
 * counting. Indented output, so a {@code _manifest.json} is readable as it is.
 */
public final class Json {
  /** Thread-safe once configured, as Jackson documents; never reconfigured after this line. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}
}
