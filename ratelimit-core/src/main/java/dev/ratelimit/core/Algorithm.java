package dev.ratelimit.core;

import java.util.Locale;

/** How a limit is counted. Each has Lua script(s) for Redis and an in-memory twin with the same decisions. */
public enum Algorithm {

    /** N requests per window; the window starts with the first request and its counter expires with it. */
    FIXED_WINDOW("fixed-window", "fw"),

    /** A bucket of N tokens refilled evenly over the window; allows bursts up to N. */
    TOKEN_BUCKET("token-bucket", "tb"),

    /**
     * At most N requests in any window of its length, ending at any moment: a log of the last N permits'
     * times, so no burst of 2N across a window boundary; memory grows with N.
     */
    SLIDING_WINDOW("sliding-window", "sw"),

    /**
     * At most N requests of one identity in flight at once ({@code limits=N/lease}): a permit per running
     * request, held under a lease renewed while it runs and given back when its response completes.
     * Counted by {@link ConcurrencyLimiter} on a {@link PermitStore}, not by a {@link RateLimitStore}.
     */
    CONCURRENCY("concurrency", "cc");

    public static final String ACCEPTED = "'fixed-window', 'token-bucket', 'sliding-window' or 'concurrency'";

    private final String configName;
    private final String keyTag;

    Algorithm(String configName, String keyTag) {
        this.configName = configName;
        this.keyTag = keyTag;
    }

    /** The algorithms a {@link RateLimitStore} counts: all but {@link #CONCURRENCY}. */
    public static Algorithm[] rateAlgorithms() {
        return new Algorithm[] {FIXED_WINDOW, TOKEN_BUCKET, SLIDING_WINDOW};
    }

    public static Algorithm parse(String parameter, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (Algorithm algorithm : values()) {
            if (algorithm.configName.equals(v)) {
                return algorithm;
            }
        }
        throw new ConfigurationException(parameter, value, ACCEPTED);
    }

    /** The name used in configuration, e.g. {@code fixed-window}. */
    public String configName() {
        return configName;
    }

    /** Short tag in Redis keys, so switching algorithm never reads the other's data type. */
    String keyTag() {
        return keyTag;
    }

    @Override
    public String toString() {
        return configName;
    }
}
