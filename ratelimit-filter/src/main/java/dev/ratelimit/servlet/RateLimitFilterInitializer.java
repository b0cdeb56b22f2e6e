package dev.ratelimit.servlet;

import java.util.Collections;
import java.util.Set;

import javax.servlet.FilterRegistration;
import javax.servlet.ServletContainerInitializer;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;

import dev.ratelimit.core.metrics.JmxNames;

/**
 * Checks every {@link RateLimitFilter} declared in the application while it deploys, so a bad
 * init-param fails the deployment on every container. Tomcat initializes filters at startup anyway;
 * WildFly (Undertow) by default only at the first request, which would turn a typo into a 500 later.
 * Found through {@code META-INF/services/javax.servlet.ServletContainerInitializer}.
 */
public class RateLimitFilterInitializer implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) throws ServletException {
        for (FilterRegistration registration : context.getFilterRegistrations().values()) {
            if (RateLimitFilter.class.getName().equals(registration.getClassName())) {
                FilterSettings.read(registration.getName(), RateLimitFilter.params(registration::getInitParameter,
                                () -> registration.getInitParameters().keySet(), context),
                        JmxNames.applicationName(context.getContextPath()), registration.getInitParameters().keySet(),
                        Collections.list(context.getInitParameterNames()));
            }
        }
    }
}
