package dev.ratelimit.core;

import java.util.Locale;

/** What a limiter decides while its store (Redis) cannot answer. */
public enum FailureMode {

    /** Allow the request: availability over protection. Default for ordinary API scopes. */
    OPEN,

    /** Deny the request (503). Default for the webhook and admin scopes. */
    CLOSED,

    /** Count in a bounded in-memory store of this instance, with the same limits, until Redis is back. */
    LOCAL;

    public static final String ACCEPTED = "'open', 'closed' or 'local'";

    public static FailureMode parse(String parameter, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(parameter, value, ACCEPTED);
        }
    }

    /** Webhook and admin scopes protect state changes and fail closed; everything else fails open. */
    public static FailureMode defaultFor(String scope) {
        return "webhook".equals(scope) || "admin".equals(scope) ? CLOSED : OPEN;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
