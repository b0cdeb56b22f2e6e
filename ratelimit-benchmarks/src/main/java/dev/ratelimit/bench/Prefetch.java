package dev.ratelimit.bench;

import dev.ratelimit.core.PolicyParams;

/**
 * The policy parameter {@code prefetch} (permits taken per script call, spent locally). Builds before it existed
 * ignore it in the engine and refuse it as an unknown init-param in the filter, so the benchmark asks first and
 * reports such rows as skipped instead of measuring exact mode under the prefetch label.
 */
final class Prefetch {

    static final String PARAM = "prefetch";

    static final String SKIPPED = "skipped: prefetch not supported by this build";

    private Prefetch() {
    }

    /**
     * What a row says when its prefetching server did not start: skipped on a build without the parameter; on a
     * build with it, a failure to look into, not a skip.
     */
    static String unavailable() {
        return supported() ? "failed: the application did not start with prefetch (see tomcat-*.log in bench-work)"
                : SKIPPED;
    }

    /** Whether this build's parameter vocabulary has {@code prefetch}. */
    static boolean supported() {
        return PolicyParams.NAMES.contains(PARAM);
    }

    static String require(String value) {
        if (!supported()) {
            throw new IllegalStateException(SKIPPED + " (PolicyParams.NAMES has no '" + PARAM + "')");
        }
        return value;
    }
}
