package dev.strata.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The API's main code (not its tests, whose fixture trains models) serves models and reads job
 * outputs; it depends on the model's serving package only, never on training, Smile or the jobs.
 */
@AnalyzeClasses(packages = "dev.strata.api", importOptions = ImportOption.DoNotIncludeTests.class)
class ApiArchitectureTest {
  @ArchTest
  static final ArchRule noTrainingCode =
      noClasses()
          .that()
          .resideInAPackage("dev.strata.api..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.strata.model.train..")
          .because("strata-api.jar ships the model's serving package only");

  @ArchTest
  static final ArchRule noSmile =
      noClasses()
          .that()
          .resideInAPackage("dev.strata.api..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("smile..")
          .because("Smile is GPL-3.0 and used by training only");

  @ArchTest
  static final ArchRule noJobs =
      noClasses()
          .that()
          .resideInAPackage("dev.strata.api..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.strata.pipelines..", "dev.strata.transforms..")
          .because("nothing depends on the jobs; the API reads their outputs");
}
