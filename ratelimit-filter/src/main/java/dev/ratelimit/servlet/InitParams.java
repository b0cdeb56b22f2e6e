package dev.ratelimit.servlet;

import java.util.Locale;

import javax.servlet.FilterConfig;
import javax.servlet.ServletContext;

import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Durations;

/**
 * Reads a filter's parameters: its own init-param first, then the web application's context-param
 * {@code ratelimit.<name>} (what every filter of the application shares), then the default. Each value
 * is parsed explicitly; a bad one throws {@link ConfigurationException} naming param, value and rule.
 */
final class InitParams {

    static final String CONTEXT_PREFIX = "ratelimit.";

    private final FilterConfig config;

    InitParams(FilterConfig config) {
        this.config = config;
    }

    /** The trimmed value, or null when neither the filter nor the context sets it (or it is blank). */
    String get(String name) {
        String value = config.getInitParameter(name);
        if (value == null) {
            ServletContext context = config.getServletContext();
            value = context == null ? null : context.getInitParameter(CONTEXT_PREFIX + name);
        }
        if (value == null || value.trim().isEmpty()) {
            return null;
        }
        return value.trim();
    }

    String get(String name, String defaultValue) {
        String value = get(name);
        return value == null ? defaultValue : value;
    }

    /** Exactly {@code true} or {@code false} (any case): a typo is an error, not a silent false. */
    boolean getBoolean(String name, boolean defaultValue) {
        String value = get(name);
        if (value == null) {
            return defaultValue;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new ConfigurationException(name, value, "'true' or 'false'");
        }
    }

    long getMillis(String name, long defaultMillis, long min, long max) {
        String value = get(name);
        if (value == null) {
            return defaultMillis;
        }
        long millis = Durations.parseMillis(value);
        if (millis < min || millis > max) {
            throw new ConfigurationException(name, value,
                    Durations.ACCEPTED + ", from " + Durations.format(min) + " to " + Durations.format(max));
        }
        return millis;
    }

    long getLong(String name, long defaultValue, long min, long max) {
        String value = get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(name, value, "a whole number from " + min + " to " + max);
    }
}
