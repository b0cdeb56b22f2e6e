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
    /** The {@code 10/1s, 1000/1h} shape, with numbers no benchmark reaches. */
    static final String HUGE_MULTI = "100000000/1s, 999999999/1h";

    private Policies() {
    }

    static Policy of(String algorithm, String limits) {
        Map<String, String> params = new HashMap<>();
        params.put(PolicyParams.LIMITS, limits);
        params.put(PolicyParams.ALGORITHM, algorithm);
        params.put(PolicyParams.KEY, "ip");
        params.put(PolicyParams.SCOPE, "api");
        params.put(PolicyParams.FAILURE_MODE, "open");
        return PolicyParams.read(new ConfigParams(params::get), "bench");
    }
}
