package dev.ratelimit.core.metrics;

import com.codahale.metrics.MetricRegistry;

/**
 * Every metric name the library registers, in one place (documented in src/docs/metrics.md, which a
 * test keeps in step). All start with {@value #PREFIX}, so they are easy to find in a shared registry.
 */
public final class MetricNames {

    public static final String PREFIX = "ratelimit";

    /** Meter: requests a policy admitted. */
    public static final String ALLOWED = "allowed";
    /** Meter: requests a policy turned away (429, or 503 by failure mode closed). */
    public static final String DENIED = "denied";
    /** Meter: requests a dry-run policy would have turned away. */
    public static final String DRY_RUN_DENIED = "dry-run-denied";
    /** Meter: decisions made by the in-memory fallback (failure mode local) while Redis was unavailable. */
    public static final String FALLBACK_MEMORY = "fallback-memory";
    /** Meter: decisions made without any store (failure modes open and closed) while Redis was unavailable. */
    public static final String FALLBACK_BYPASS = "fallback-bypass";
    /** Meter: decisions answered by the local deny cache without a Redis call. */
    public static final String DENY_CACHE_HITS = "deny-cache-hits";
    /** Timer: one store call (Redis round trip, or in-memory), failures included. */
    public static final String STORE_LATENCY = "store-latency";
    /** Meter: webhook requests rejected for their signature. */
    public static final String SIGNATURE_FAILURES = "signature-failures";

    /** Meter, policies with {@code prefetch}: requests admitted from permits this instance had reserved (no store call). */
    public static final String PREFETCH_SPENT = "prefetch-spent";
    /** Meter, policies with {@code prefetch}: permits reserved in advance (each reservation is one store call). */
    public static final String PREFETCH_RESERVED = "prefetch-reserved";
    /** Meter, policies with {@code prefetch}: reserved permits given back unspent. */
    public static final String PREFETCH_RETURNED = "prefetch-returned";
    /** Meter, policies with {@code prefetch}: reserved permits that could not be given back; they stay counted until their windows end. */
    public static final String PREFETCH_LOST = "prefetch-lost";

    /** Gauge, concurrency policies: permits this instance holds now (its requests in flight under the policy). */
    public static final String IN_FLIGHT = "in-flight";
    /** Meter, concurrency policies: permits taken from a store (Redis, or memory); failure mode open takes none. */
    public static final String PERMITS_ACQUIRED = "permits-acquired";
    /** Meter, concurrency policies: permits recovered from holders past their lease (an instance that died). */
    public static final String LEASE_EXPIRATIONS = "lease-expirations";

    /** Gauge: the Redis client's circuit breaker, {@code closed}, {@code half-open} or {@code open}. */
    public static final String BREAKER_STATE = "breaker-state";
    /** Gauge: pooled Redis connections in use. */
    public static final String POOL_ACTIVE = "pool-active";
    /** Gauge: pooled Redis connections idle. */
    public static final String POOL_IDLE = "pool-idle";
    /** Gauge: requests waiting for a pooled connection. */
    public static final String POOL_WAITERS = "pool-waiters";
    /** Gauge: decisions sent in a pipeline of two or more since the client opened ({@code pipelining}). */
    public static final String PIPELINED_CALLS = "pipelined-calls";
    /** Gauge: decisions waiting now to be sent with the next batch ({@code pipelining}). */
    public static final String PIPELINE_WAITERS = "pipeline-waiters";

    /** Counter: loads of the policy file ({@code ratelimit.config-file}) that failed: a bad version, or the file gone. */
    public static final String RELOAD_FAILURES = "reload-failures";
    /** Gauge: 1 when the policy file's last load succeeded, 0 when it failed (the last good version stays in force). */
    public static final String RELOAD_OK = "reload-ok";

    private MetricNames() {
    }

    /** {@code ratelimit.policy.<policy>.<metric>}. */
    public static String policy(String policy, String metric) {
        return MetricRegistry.name(PREFIX, "policy", policy, metric);
    }

    /** {@code ratelimit.config.<metric>}: the policy file's, e.g. {@code ratelimit.config.reload-failures}. */
    public static String config(String metric) {
        return MetricRegistry.name(PREFIX, "config", metric);
    }

    /** {@code ratelimit.redis.<host>-<port>-<db>.<metric>}. */
    public static String redis(String host, int port, int database, String metric) {
        return MetricRegistry.name(PREFIX, "redis", host + "-" + port + "-" + database, metric);
    }
}
