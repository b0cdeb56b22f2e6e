package dev.ratelimit.servlet;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Set;

import javax.servlet.FilterRegistration;
import javax.servlet.ServletContainerInitializer;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.app.ApplicationParams;
import dev.ratelimit.core.app.ConfigFilePath;
import dev.ratelimit.core.app.LivePolicies;
import dev.ratelimit.core.app.ParameterNames;
import dev.ratelimit.core.app.PolicyFile;
import dev.ratelimit.core.metrics.JmxNames;

/**
 * Checks every {@link RateLimitFilter} declared in the application while it deploys, so a bad
 * init-param (or a bad policy file, {@code ratelimit.config-file}) fails the deployment on every
 * container. Tomcat initializes filters at startup anyway; WildFly (Undertow) by default only at the
 * first request, which would turn a typo into a 500 later.
 * Found through {@code META-INF/services/javax.servlet.ServletContainerInitializer}.
 */
public class RateLimitFilterInitializer implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) throws ServletException {
        PolicyFile file = policyFile(context);
        for (FilterRegistration registration : context.getFilterRegistrations().values()) {
            if (RateLimitFilter.class.getName().equals(registration.getClassName())) {
                ConfigParams params = RateLimitFilter.params(registration::getInitParameter,
                        () -> registration.getInitParameters().keySet(), context);
                String policyName = params.get(PolicyParams.POLICY_NAME, registration.getName());
                FilterSettings.checkNames(registration.getName(), registration.getInitParameters().keySet(),
                        Collections.list(context.getInitParameterNames()));
                try {
                    FilterSettings.read(registration.getName(), file == null ? params : file.over(policyName, params),
                            JmxNames.applicationName(context.getContextPath()));
                } catch (ConfigurationException e) {
                    throw FilterSettings.invalid(registration.getName(), file == null ? e : file.located(policyName, e));
                }
            }
        }
    }

    /** The application's policy file, checked as at startup; null when it has none. */
    private static PolicyFile policyFile(ServletContext context) throws ServletException {
        String name = ParameterNames.SHARED_PREFIX + ApplicationParams.CONFIG_FILE;
        try {
            Path path = ConfigFilePath.resolve(name, blankToNull(context.getInitParameter(name)), System::getProperty);
            return path == null ? null : LivePolicies.read(path, DeclaredFilters.policies(context));
        } catch (ConfigurationException e) {
            throw new ServletException(e.getMessage(), e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.trim().isEmpty() ? null : s.trim();
    }
}
