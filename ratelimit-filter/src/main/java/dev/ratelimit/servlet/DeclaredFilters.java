package dev.ratelimit.servlet;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import javax.servlet.FilterRegistration;
import javax.servlet.ServletContext;

import dev.ratelimit.core.app.DeclaredPolicies;

/** The policies an application declares ({@link DeclaredPolicies}), read from its ServletContext. */
final class DeclaredFilters {

    private DeclaredFilters() {
    }

    /** @return null when the container will not list the filters here (the file's policy names go unchecked) */
    static Set<String> policies(ServletContext context) {
        Map<String, Map<String, String>> filters = new LinkedHashMap<>();
        try {
            for (FilterRegistration registration : context.getFilterRegistrations().values()) {
                if (DeclaredPolicies.FILTER_CLASS.equals(registration.getClassName())) {
                    filters.put(registration.getName(), registration.getInitParameters());
                }
            }
        } catch (UnsupportedOperationException e) {
            return null;
        }
        return DeclaredPolicies.of(filters, Collections.list(context.getInitParameterNames()),
                context::getInitParameter);
    }
}
