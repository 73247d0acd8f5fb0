package dev.strata.pipelines;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The layout of {@code docs/architecture.md} as rules over the compiled main classes of every
 * module on this class path (pipelines, transforms, model): one package per job, a launcher that
 * knows no job, dependencies pointing down. A change that breaks one fails the build, not a review.
 */
public class ArchitectureTest {
  private static final List<String> JOBS = List.of("market", "sensors", "warehouse");
  private static JavaClasses classes;

  @BeforeClass
  public static void importClasses() {
    // every rule below must see the classes it is about, or it would pass vacuously
    classes =
        new ClassFileImporter()
            // main classes only: this module's, and the other modules' from their target/classes
            // or (in a full build) their jars; never test classes or test jars
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.strata");
  }

  private static String job(String name) {
    return "dev.strata.pipelines." + name + "..";
  }

  @Test
  public void noJobPackageImportsAnotherJob() {
    forEachPairOfJobs(
        (job, other) ->
            noClasses()
                .that()
                .resideInAPackage(job(job))
                .should()
                .dependOnClassesThat()
                .resideInAPackage(job(other))
                .because("each job is a room of its own; shared code goes to the launcher")
                .check(classes));
  }

  @Test
  public void aJobUsesOnlyItsOwnTransformsAndTheCommonOnes() {
    forEachPairOfJobs(
        (job, other) ->
            noClasses()
                .that()
                .resideInAPackage(job(job))
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.strata.transforms." + other + "..")
                .because("what two jobs share belongs in transforms.common")
                .check(classes));
  }

  private static void forEachPairOfJobs(java.util.function.BiConsumer<String, String> check) {
    for (String job : JOBS) {
      for (String other : JOBS) {
        if (!other.equals(job)) {
          check.accept(job, other);
        }
      }
    }
  }

  @Test
  public void theLauncherKnowsNoJob() {
    noClasses()
        .that()
        .resideInAPackage("dev.strata.pipelines.launcher..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            job("market"),
            job("sensors"),
            job("warehouse"),
            "dev.strata.transforms.market..",
            "dev.strata.transforms.sensors..",
            "dev.strata.transforms.warehouse..",
            "dev.strata.model..")
        .check(classes);
  }

  @Test
  public void nothingBelowTheCommandLineImportsIt() {
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName(Strata.class.getName())
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName(Strata.class.getName())
        .check(classes);
  }

  @Test
  public void dependenciesPointDown() {
    noClasses()
        .that()
        .resideInAPackage("dev.strata.transforms..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.strata.pipelines..",
            "dev.strata.model..",
            "dev.strata.api..",
            "org.apache.beam.runners..")
        .because("transforms are runner-free Beam PTransforms any job can use")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("dev.strata.model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.strata.pipelines..",
            "dev.strata.transforms..",
            "dev.strata.api..",
            "org.apache.beam..")
        .because("the model knows neither Beam nor the jobs that feed it")
        .check(classes);
  }
}
