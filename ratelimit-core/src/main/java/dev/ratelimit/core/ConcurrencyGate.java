package dev.ratelimit.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy with algorithm {@code concurrency}, applied through its permit store. When the store cannot
 * answer, the policy's failure mode decides: let the request through without a permit ({@code open}),
 * refuse it ({@code closed}), or take a permit of this instance's memory ({@code local}).
 */
public final class ConcurrencyGate {

    private static final Logger LOG = LoggerFactory.getLogger(ConcurrencyGate.class);

    private final Policy policy;
    private final ConcurrencyLimiter limiter;
    private final ConcurrencyLimiter localFallback;
    private final String storeDescription;
    private final PermitMetrics metrics;
    private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE / 2);

    /** @param localFallback the in-memory limiter for failure mode {@code local}; may be null otherwise */
    public ConcurrencyGate(Policy policy, ConcurrencyLimiter limiter, ConcurrencyLimiter localFallback,
                           String storeDescription) {
        this(policy, limiter, localFallback, storeDescription, PermitMetrics.NONE);
    }

    /**
     * @param localFallback the in-memory limiter for failure mode {@code local}; may be null otherwise
     * @param metrics       where each decision is recorded (the limiters record what they hold in the same)
     */
    public ConcurrencyGate(Policy policy, ConcurrencyLimiter limiter, ConcurrencyLimiter localFallback,
                           String storeDescription, PermitMetrics metrics) {
        if (policy.algorithm() != Algorithm.CONCURRENCY) {
            throw new IllegalArgumentException("not a concurrency policy: " + policy.describe());
        }
        if (policy.failureMode() == FailureMode.LOCAL && localFallback == null) {
            throw new IllegalArgumentException("failure mode local needs an in-memory fallback");
        }
        this.policy = policy;
        this.limiter = limiter;
        this.localFallback = localFallback;
        this.storeDescription = storeDescription;
        this.metrics = metrics;
    }

    public Policy policy() {
        return policy;
    }

    /** The request's permit; the adapter releases it when the response completes, whatever the outcome. */
    public Permit acquire(RequestView request) {
        String key = policy.keyLayout().keysFor(request).get(0);
        long sentAt = System.nanoTime();
        Permit permit;
        boolean failed = false;
        try {
            permit = limiter.acquire(key);
        } catch (StoreUnavailableException e) {
            failed = true;
            logFailure(e);
            permit = failureModePermit(key);
        }
        metrics.record(permit.decision(), failed, System.nanoTime() - sentAt);
        return permit;
    }

    private Permit failureModePermit(String key) {
        switch (policy.failureMode()) {
            case LOCAL:
                return localFallback.acquire(key);
            case CLOSED:
                return Permit.without(PermitDecision.denied(limit(), DecisionSource.BYPASS));
            default:
                return Permit.without(PermitDecision.granted(limit(), 0, DecisionSource.BYPASS));
        }
    }

    /**
     * Drops every holder of one identity under this policy, whatever its tenant, route or method: in the
     * store (on Redis: for every instance) and in this instance's in-memory fallback. Its running requests
     * no longer count; their releases later find nothing to give back.
     *
     * @param identity as it appears in keys: {@code ip=203.0.113.7}, {@code user=alice}, {@code h.x-api-key=k1}
     * @return how many keys were dropped
     */
    public long resetIdentity(String identity) {
        KeyLayout.IdentityKeys keys = policy.keyLayout().keysOf(identity);
        long dropped = limiter.dropIdentity(keys);
        if (localFallback != null && localFallback.store() != limiter.store()) {
            dropped += localFallback.dropIdentity(keys);
        }
        LOG.info("Dropped the permits of identity {} under policy {} ({} key(s))", LogValues.escape(identity),
                policy.name(), dropped);
        return dropped;
    }

    private long limit() {
        return policy.limits().get(0).permits();
    }

    public String describe() {
        return storeDescription;
    }

    private void logFailure(StoreUnavailableException e) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        if (now - last >= TimeUnit.SECONDS.toNanos(RateLimiter.FAILURE_LOG_INTERVAL_SECONDS)
                && lastFailureLog.compareAndSet(last, now)) {
            LOG.warn("Permit store {} failed for policy {}; failure mode {}: {}", storeDescription, policy.name(),
                    policy.failureMode(), e.getMessage());
        }
    }
}
