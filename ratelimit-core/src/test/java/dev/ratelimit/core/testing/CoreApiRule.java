package dev.ratelimit.core.testing;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasModifiers.Predicates.modifier;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchRule;

/** The ArchUnit rule every adapter module checks on its own classes (see their ArchitectureTest). */
public final class CoreApiRule {

    private CoreApiRule() {
    }

    /** An adapter uses the core only through its public classes. */
    public static ArchRule adaptersUseOnlyThePublicCoreApi() {
        return noClasses().should().dependOnClassesThat(
                        resideInAPackage("dev.ratelimit.core..").and(not(modifier(JavaModifier.PUBLIC))))
                .as("adapters use the core only through its public API");
    }
}
