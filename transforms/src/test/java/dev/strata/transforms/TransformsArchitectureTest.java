package dev.strata.transforms;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The layout of transforms (STYLE.md §1), checked on the compiled classes: the three jobs' packages
 * share only {@code transforms.common}, and nothing here knows a runner, pipeline options or the
 * modules above it.
 */
@AnalyzeClasses(
    packages = "dev.strata.transforms",
    importOptions = ImportOption.DoNotIncludeTests.class)
class TransformsArchitectureTest {
  private static final String COMMON = "dev.strata.transforms.common..";
  private static final String MARKET = "dev.strata.transforms.market..";
  private static final String SENSORS = "dev.strata.transforms.sensors..";
  private static final String WAREHOUSE = "dev.strata.transforms.warehouse..";

  @ArchTest
  static final ArchRule marketUsesNoOtherJob =
      noClasses()
          .that()
          .resideInAPackage(MARKET)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SENSORS, WAREHOUSE);

  @ArchTest
  static final ArchRule sensorsUsesNoOtherJob =
      noClasses()
          .that()
          .resideInAPackage(SENSORS)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(MARKET, WAREHOUSE);

  @ArchTest
  static final ArchRule warehouseUsesNoOtherJob =
      noClasses()
          .that()
          .resideInAPackage(WAREHOUSE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(MARKET, SENSORS);

  @ArchTest
  static final ArchRule commonUsesNoJob =
      noClasses()
          .that()
          .resideInAPackage(COMMON)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(MARKET, SENSORS, WAREHOUSE);

  @ArchTest
  static final ArchRule noRunnerAndNoModuleAbove =
      noClasses()
          .that()
          .resideInAPackage("dev.strata.transforms..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "org.apache.beam.runners..",
              "dev.strata.pipelines..",
              "dev.strata.model..",
              "dev.strata.api..");

  @ArchTest
  static final ArchRule noPipelineOptions =
      noClasses()
          .that()
          .resideInAPackage("dev.strata.transforms..")
          .should()
          .dependOnClassesThat()
          .areAssignableTo(PipelineOptions.class);
}
