package dev.ratelimit.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * The scenarios on WildFly 26.1 (the distribution, managed). WildFly brings RESTEasy, so the example is deployed
 * without the Jersey it bundles for Tomcat.
 */
class WildFlyScenariosIT extends ContainerScenarios {

    @Deployment(name = EXAMPLE, testable = false)
    static WebArchive exampleWar() {
        return Wars.exampleWithoutBundledJaxrs();
    }

    @Override
    ServerJmx jmx() {
        return ServerJmx.wildfly();
    }

    @Override
    String serverLog() {
        try {
            return new String(Files.readAllBytes(Paths.get(System.getProperty("it.wildfly.home"), "standalone", "log",
                    "server.log")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** WildFly's management operation fails with the services that failed and their causes: the deployer's answer. */
    @Override
    String deploymentFailureReport(Throwable failure) {
        return messages(failure);
    }
}
