package dev.ratelimit.servlet;

import java.util.Set;

import javax.servlet.FilterRegistration;
import javax.servlet.ServletContainerInitializer;
import javax.servlet.ServletContext;
import javax.servlet.ServletException;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.metrics.JmxNames;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.webhook.WebhookParams;

/**
 * Checks every {@link RateLimitFilter} declared in the application while it deploys, so a bad
 * init-param fails the deployment on every container. Tomcat initializes filters at startup anyway;
 * WildFly (Undertow) by default only at the first request, which would turn a typo into a 500 later.
 * Found through {@code META-INF/services/javax.servlet.ServletContainerInitializer}.
 */
public class RateLimitFilterValidation implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) throws ServletException {
        for (FilterRegistration registration : context.getFilterRegistrations().values()) {
            if (RateLimitFilter.class.getName().equals(registration.getClassName())) {
                check(registration.getName(), RateLimitFilter.params(registration::getInitParameter, context),
                        JmxNames.applicationName(context.getContextPath()));
            }
        }
    }

    /** Everything {@link RateLimitFilter#init} reads that does not need the running application. */
    static void check(String filterName, ConfigParams params, String application) throws ServletException {
        try {
            Policy policy = PolicyParams.read(params, filterName, application);
            RedisParams.read(params);
            WebhookParams.read(params, policy.scope());
        } catch (ConfigurationException e) {
            throw new ServletException("Rate-limit filter '" + filterName + "': " + e.getMessage(), e);
        }
    }
}
