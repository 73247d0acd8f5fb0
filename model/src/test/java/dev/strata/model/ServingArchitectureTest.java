package dev.strata.model;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The serving package stands alone: the API depends on {@code dev.strata.model} and must get
 * everything it needs from there, without training code or training's libraries.
 */
@AnalyzeClasses(packages = "dev.strata.model", importOptions = ImportOption.DoNotIncludeTests.class)
class ServingArchitectureTest {
  @ArchTest
  static final ArchRule servingDoesNotDependOnTraining =
      noClasses()
          .that()
          .resideInAPackage("dev.strata.model")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.strata.model.train..")
          .because("the API serves models with dev.strata.model alone");

  @ArchTest
  static final ArchRule servingNeedsNoTrainingLibraries =
      noClasses()
          .that()
          .resideInAPackage("dev.strata.model")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("smile..", "org.jfree..")
          .because(
              "Smile (GPL-3.0) and the loss chart are training's, and optional or absent in the API");
}
