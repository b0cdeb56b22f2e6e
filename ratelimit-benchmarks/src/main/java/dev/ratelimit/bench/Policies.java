package dev.ratelimit.bench;

import java.util.HashMap;
import java.util.Map;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;

/** Policies read through the same parameter vocabulary web.xml uses. */
final class Policies {

    /** So large that throughput runs are always allowed and always reach Redis. */
    static final String HUGE = "999999999/1h";

    /**
     * Never binding, for the sliding window: its log keeps one time per permit for a window, so a window
     * of a second keeps it at a second's worth of requests per identity (the hour of {@link #HUGE} would
     * grow it all run long) and the measurement includes forgetting old permits.
     */
    static final String HUGE_SLIDING = "999999999/1s";

    /** The never-binding limits a benchmark of this algorithm runs with. */
    static String huge(String algorithm) {
        return "sliding-window".equals(algorithm) ? HUGE_SLIDING : HUGE;
    }
    /** For {@code algorithm=concurrency}: never binding (N in flight), a 30 s lease as in the example. */
    static final String HUGE_CONCURRENCY = "999999999/30s";

    /** The {@code 10/1s, 1000/1h} shape, with numbers no benchmark reaches. */
    static final String HUGE_MULTI = "100000000/1s, 999999999/1h";

    private Policies() {
    }

    /** @param extra further parameter name, value pairs (as init-params would give them) */
    static Policy of(String algorithm, String limits, String... extra) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < extra.length; i += 2) {
            params.put(extra[i], extra[i + 1]);
        }
        params.put(PolicyParams.LIMITS, limits);
        params.put(PolicyParams.ALGORITHM, algorithm);
        params.put(PolicyParams.KEY, "ip");
        params.put(PolicyParams.SCOPE, "api");
        params.put(PolicyParams.FAILURE_MODE, "open");
        return PolicyParams.read(new ConfigParams(params::get, params::keySet), "bench");
    }
}
