package dev.strata.pipelines.launcher;

/** Facts about the build this code runs from, recorded in every manifest. */
public final class BuildInfo {
  private BuildInfo() {}

  /**
   * The project version baked into {@code strata.jar}'s manifest ({@code Implementation-Version}),
   * or {@code "dev"} when run from classes (tests, {@code mvn exec}).
   */
  public static String version() {
    String v = BuildInfo.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
