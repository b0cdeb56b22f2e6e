package dev.ratelimit.jaxrs;

import javax.servlet.ServletContext;

import dev.ratelimit.core.metrics.JmxNames;

/**
 * Where the JAX-RS adapter reads configuration names such as {@code ratelimit.timeout} or
 * {@code ratelimit.policy.search.limits}: the application's context-params only, as the Servlet filter
 * does. System properties belong to the whole JVM and would leak into every WAR; the Redis URL's own
 * fallbacks (system property, environment) are {@link dev.ratelimit.core.redis.RedisParams}'s.
 */
final class ContextParams {

    private final ServletContext context;

    /** @param context the application's context, or null outside a Servlet container */
    ContextParams(ServletContext context) {
        this.context = context;
    }

    /** The value, or null when unset or blank. */
    String get(String name) {
        String value = context == null ? null : context.getInitParameter(name);
        return isBlank(value) ? null : value;
    }

    /** Every context-param's name (none outside a Servlet container). */
    java.util.List<String> names() {
        return context == null ? java.util.Collections.<String>emptyList()
                : java.util.Collections.list(context.getInitParameterNames());
    }

    /** The web application's name for {@code {context}} in a key prefix, or null outside a Servlet container. */
    String applicationName() {
        return context == null ? null : JmxNames.applicationName(context.getContextPath());
    }

    /** Where {@link #get} found the value, for error messages. */
    String describe(String name) {
        return "context-param " + name;
    }

    private static boolean isBlank(String s) {
        return s == null || s.trim().isEmpty();
    }
}
