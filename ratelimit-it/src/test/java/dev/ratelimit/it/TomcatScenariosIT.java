package dev.ratelimit.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The scenarios on Apache Tomcat 9 (the distribution, managed), with the example WAR exactly as built. */
class TomcatScenariosIT extends ContainerScenarios {

    @Deployment(name = EXAMPLE, testable = false)
    static WebArchive exampleWar() {
        return Wars.example();
    }

    @Override
    ServerJmx jmx() {
        return ServerJmx.tomcat("a");
    }

    @Override
    String serverLog() {
        Path logs = Paths.get(System.getProperty("it.tomcat.a.base"), "logs");
        try (Stream<Path> files = Files.list(logs)) {
            return files.filter(f -> f.toString().endsWith(".log")).sorted().map(TomcatScenariosIT::read)
                    .collect(Collectors.joining("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The manager only answers "FAIL - ... context failed to start"; Tomcat logs the filter's exception, which is
     * where a Tomcat operator reads why.
     */
    @Override
    String deploymentFailureReport(Throwable failure) {
        return messages(failure) + serverLog();
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
