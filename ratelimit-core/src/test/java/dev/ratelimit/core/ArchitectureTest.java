package dev.ratelimit.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/** The core's shape, checked on its compiled classes. */
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.ratelimit.core");

    /** Adapters turn the container request into a RequestView; nothing of a container reaches the core. */
    @Test
    void core_imports_no_container_api() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("javax.servlet..", "javax.ws.rs..", "jakarta..")
                .check(CORE);
    }

    /**
     * The root package holds the model (policy, decision, limiter, store contract); the sub-packages build
     * on it, and {@code app} wires them together for one web application. So no package may depend on
     * one that depends on it back.
     */
    @Test
    void core_packages_are_free_of_cycles() {
        slices().matching("dev.ratelimit.(**)").namingSlices("$1").should().beFreeOfCycles().check(CORE);
    }
}
