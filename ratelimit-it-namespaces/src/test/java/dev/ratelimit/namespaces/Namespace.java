package dev.ratelimit.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which Servlet namespace this run has, read from the classes themselves, so a build that quietly ran the javax
 * classes twice fails instead of passing. Maven sets {@code expected.namespace} per run.
 */
final class Namespace {

    private Namespace() {
    }

    /** {@code javax} or {@code jakarta}: the package of the Filter interface our filter implements. */
    static String ofFilter() {
        return packageRoot(interfaceOf("dev.ratelimit.servlet.RateLimitFilter"));
    }

    /** The same for the JAX-RS Feature our feature implements. */
    static String ofJaxrsFeature() {
        return packageRoot(interfaceOf("dev.ratelimit.jaxrs.RateLimitFeature"));
    }

    static String expected() {
        String expected = System.getProperty("expected.namespace");
        assertThat(expected).as("system property expected.namespace (set by the pom)").isIn("javax", "jakarta");
        return expected;
    }

    /** The lines of every {@code META-INF/services/<service>} on the classpath. */
    static List<String> services(String service) {
        List<String> lines = new ArrayList<>();
        try {
            for (URL url : Collections.list(Namespace.class.getClassLoader().getResources("META-INF/services/" + service))) {
                try (InputStream in = url.openStream()) {
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                        if (!line.isBlank() && !line.startsWith("#")) {
                            lines.add(line.trim());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    private static Class<?> interfaceOf(String className) {
        try {
            return Class.forName(className).getInterfaces()[0];
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(className + " is not on the classpath", e);
        }
    }

    private static String packageRoot(Class<?> type) {
        return type.getName().substring(0, type.getName().indexOf('.'));
    }
}
