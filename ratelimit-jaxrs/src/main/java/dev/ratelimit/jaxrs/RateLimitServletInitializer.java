package dev.ratelimit.jaxrs;

import java.util.Set;

import javax.servlet.ServletContainerInitializer;
import javax.servlet.ServletContext;

/**
 * Registers {@link RateLimitCleanupListener} in every web application that bundles this jar (found by
 * the container through {@code META-INF/services}, in Tomcat, WildFly, Jetty and the rest alike), as a
 * context listener (Redis clients closed at undeploy) and a request listener (leftover permits given back).
 */
public class RateLimitServletInitializer implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        // Now, not in the listener's contextInitialized: a JAX-RS runtime started by an earlier listener
        // (RESTEasy's ResteasyBootstrap) must already find the registry.
        RateLimitCleanupListener.install(context);
        context.addListener(new RateLimitCleanupListener());
    }
}
