package dev.ratelimit.jaxrs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.servlet.ServletContext;

import dev.ratelimit.core.metrics.JmxNames;

/**
 * Where the JAX-RS adapter reads configuration names such as {@code ratelimit.timeout} or
 * {@code ratelimit.policy.search.limits}: the application's context-params only, as the Servlet filter
 * does. System properties belong to the whole JVM and would leak into every WAR; the Redis URL's own
 * fallbacks (system property, environment) are {@link dev.ratelimit.core.redis.RedisParams}'s.
 * Read once when made: a runtime's injected context (RESTEasy's proxy) answers only on its own threads,
 * and the policy file's watcher rebuilds policies from these values on another.
 */
final class ContextParams {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final String applicationName;

    /** @param context the application's context, or null outside a Servlet container */
    ContextParams(ServletContext context) {
        if (context != null) {
            for (String name : Collections.list(context.getInitParameterNames())) {
                values.put(name, context.getInitParameter(name));
            }
        }
        this.applicationName = context == null ? null : JmxNames.applicationName(context.getContextPath());
    }

    /** The value, or null when unset or blank. */
    String get(String name) {
        String value = values.get(name);
        return isBlank(value) ? null : value;
    }

    /** Every context-param's name (none outside a Servlet container). */
    List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(values.keySet()));
    }

    /** The web application's name for {@code {context}} in a key prefix, or null outside a Servlet container. */
    String applicationName() {
        return applicationName;
    }

    /** Where {@link #get} found the value, for error messages. */
    String describe(String name) {
        return "context-param " + name;
    }

    private static boolean isBlank(String s) {
        return s == null || s.trim().isEmpty();
    }
}
