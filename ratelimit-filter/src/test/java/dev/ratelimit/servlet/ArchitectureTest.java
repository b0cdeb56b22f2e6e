package dev.ratelimit.servlet;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import dev.ratelimit.core.testing.CoreApiRule;

@AnalyzeClasses(packages = "dev.ratelimit.servlet", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule uses_the_core_only_through_its_public_api = CoreApiRule.adaptersUseOnlyThePublicCoreApi();
}
