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

    /** The policy and its limiters, swapped together when the policy file changes the policy. */
    private volatile State state;
    private final String storeDescription;
    private final AuditLog audit;
    private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE / 2);

    /** @param localFallback the in-memory limiter for failure mode {@code local}; may be null otherwise */
    public ConcurrencyGate(Policy policy, ConcurrencyLimiter limiter, ConcurrencyLimiter localFallback,
                           String storeDescription) {
        this(policy, limiter, localFallback, storeDescription, new AuditLog(AuditLog.DEFAULT_MAX_PER_SECOND));
    }

    public ConcurrencyGate(Policy policy, ConcurrencyLimiter limiter, ConcurrencyLimiter localFallback,
                           String storeDescription, AuditLog audit) {
        if (policy.algorithm() != Algorithm.CONCURRENCY) {
            throw new IllegalArgumentException("not a concurrency policy: " + policy.describe());
        }
        if (policy.failureMode() == FailureMode.LOCAL && localFallback == null) {
            throw new IllegalArgumentException("failure mode local needs an in-memory fallback");
        }
        this.state = new State(policy, limiter, localFallback);
        this.storeDescription = storeDescription;
        this.audit = audit;
    }

    public Policy policy() {
        return state.policy;
    }

    /** What the policy does with this request: limit, skip (no permit, no headers) or deny (audited). */
    public RequestRules.Verdict verdict(RequestView request) {
        return state.policy.verdict(request, audit);
    }

    /**
     * A new policy from the policy file, still with algorithm {@code concurrency}; requests from now on take
     * permits under its limit and lease, permits already held are given back as they were taken.
     */
    public synchronized void reconfigure(Policy newPolicy) {
        if (newPolicy.algorithm() != Algorithm.CONCURRENCY || !newPolicy.name().equals(state.policy.name())) {
            throw new IllegalArgumentException("not a concurrency policy named " + state.policy.name() + ": "
                    + newPolicy.describe());
        }
        State old = state;
        Limit limit = newPolicy.limits().get(0);
        state = new State(newPolicy, old.limiter.withLimit(limit.permits(), limit.windowMillis()),
                old.localFallback == null ? null : old.localFallback.withLimit(limit.permits(), limit.windowMillis()));
    }

    /** The request's permit; the adapter releases it when the response completes, whatever the outcome. */
    public Permit acquire(RequestView request) {
        State current = state;
        Policy policy = current.policy;
        String key = policy.keyLayout().keysFor(request).get(0);
        try {
            return current.limiter.acquire(key);
        } catch (StoreUnavailableException e) {
            logFailure(policy, e);
            long limit = policy.limits().get(0).permits();
            switch (policy.failureMode()) {
                case LOCAL:
                    return current.localFallback.acquire(key);
                case CLOSED:
                    return Permit.without(PermitDecision.denied(limit, DecisionSource.BYPASS));
                default:
                    return Permit.without(PermitDecision.granted(limit, 0, DecisionSource.BYPASS));
            }
        }
    }

    public String describe() {
        return storeDescription;
    }

    private void logFailure(Policy policy, StoreUnavailableException e) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        if (now - last >= TimeUnit.SECONDS.toNanos(RateLimiter.FAILURE_LOG_INTERVAL_SECONDS)
                && lastFailureLog.compareAndSet(last, now)) {
            LOG.warn("Permit store {} failed for policy {}; failure mode {}: {}", storeDescription, policy.name(),
                    policy.failureMode(), e.getMessage());
        }
    }

    private static final class State {
        final Policy policy;
        final ConcurrencyLimiter limiter;
        final ConcurrencyLimiter localFallback;

        State(Policy policy, ConcurrencyLimiter limiter, ConcurrencyLimiter localFallback) {
            this.policy = policy;
            this.limiter = limiter;
            this.localFallback = localFallback;
        }
    }
}
