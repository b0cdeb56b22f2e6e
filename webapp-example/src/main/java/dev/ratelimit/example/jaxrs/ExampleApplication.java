package dev.ratelimit.example.jaxrs;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import javax.ws.rs.ApplicationPath;
import javax.ws.rs.core.Application;

import dev.ratelimit.jaxrs.RateLimitFeature;

/**
 * The JAX-RS part of the example, at {@code /rest/*} (the Servlet filters keep {@code /api/*}). Found by
 * the runtime through {@code @ApplicationPath}: Jersey bundled in the WAR on Tomcat, RESTEasy on WildFly.
 * Its classes are listed, so no runtime scans the WAR for resources.
 */
@ApplicationPath("/rest")
public class ExampleApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return new HashSet<>(Arrays.asList(RateLimitFeature.class, OrderResource.class, SearchResource.class,
                HealthResource.class));
    }
}
