package dev.ratelimit.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.freeze.FreezingArchRule;

/** The core's shape, checked on its compiled classes. */
@AnalyzeClasses(packages = "dev.ratelimit.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** Adapters turn the container request into a RequestView; nothing of a container reaches the core. */
    @ArchTest
    static final ArchRule core_imports_no_container_api = noClasses()
            .should().dependOnClassesThat().resideInAnyPackage("javax.servlet..", "javax.ws.rs..", "jakarta..");

    /**
     * No package of the core uses a package that uses it back. The cycles the core had when this rule came
     * are frozen (src/test/resources/archunit_store): the rule fails on any new one, and a cycle removed is
     * dropped from the store, so it cannot come back either.
     */
    @ArchTest
    static final ArchRule core_packages_are_free_of_cycles = FreezingArchRule.freeze(
            slices().matching("dev.ratelimit.(**)").namingSlices("$1").should().beFreeOfCycles());
}
