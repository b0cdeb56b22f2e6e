package dev.ratelimit.core;

import java.util.Collections;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Typed, validated reads of named configuration values, whatever holds them (web.xml init-params and
 * context-params, an annotation, a properties file). Blank counts as unset. Every bad value throws
 * {@link ConfigurationException} naming the parameter, the value and what is accepted.
 */
public final class ConfigParams {

    private final Function<String, String> source;
    private final Supplier<? extends Iterable<String>> names;

    /** @param source returns the raw value of a parameter, or null */
    public ConfigParams(Function<String, String> source) {
        this(source, Collections::<String>emptyList);
    }

    /**
     * @param source returns the raw value of a parameter, or null
     * @param names  the names of the parameters given, for those read by pattern ({@code plan.<name>.limits})
     */
    public ConfigParams(Function<String, String> source, Supplier<? extends Iterable<String>> names) {
        this.source = source;
        this.names = names;
    }

    /** The names of the parameters given (possibly with duplicates), as far as the source knows them. */
    public Iterable<String> names() {
        return names.get();
    }

    /** The trimmed value, or null when unset or blank. */
    public String get(String name) {
        String value = source.apply(name);
        if (value == null || value.trim().isEmpty()) {
            return null;
        }
        return value.trim();
    }

    public String get(String name, String defaultValue) {
        String value = get(name);
        return value == null ? defaultValue : value;
    }

    /** Exactly {@code true} or {@code false} (any case): a typo is an error, not a silent false. */
    public boolean getBoolean(String name, boolean defaultValue) {
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

    public long getMillis(String name, long defaultMillis, long min, long max) {
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

    public long getLong(String name, long defaultValue, long min, long max) {
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
