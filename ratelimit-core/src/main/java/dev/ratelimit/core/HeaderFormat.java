package dev.ratelimit.core;

import java.util.Locale;

/** Which rate-limit header fields a response carries: parameter {@code headers}. */
public enum HeaderFormat {

    /** {@code X-RateLimit-Limit}, {@code -Remaining} and {@code -Reset} (epoch seconds). The default. */
    LEGACY,

    /** {@code RateLimit-Policy} and {@code RateLimit} of draft-ietf-httpapi-ratelimit-headers-11. */
    IETF,

    /** Both of the above. */
    BOTH,

    /** No rate-limit fields; a refusal still has its {@code Retry-After}. */
    NONE;

    public static final String ACCEPTED = "'legacy' (X-RateLimit-*), 'ietf' (RateLimit-Policy and RateLimit of"
            + " draft-ietf-httpapi-ratelimit-headers), 'both' or 'none'";

    public static HeaderFormat parse(String parameter, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(parameter, value, ACCEPTED);
        }
    }

    boolean legacy() {
        return this == LEGACY || this == BOTH;
    }

    boolean ietf() {
        return this == IETF || this == BOTH;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
