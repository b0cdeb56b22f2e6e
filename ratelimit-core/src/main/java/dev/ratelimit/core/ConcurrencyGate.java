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
    private final PermitMetrics metrics;
    private final AuditLog audit;
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
        this(policy, limiter, localFallback, storeDescription, metrics,
                new AuditLog(AuditLog.DEFAULT_MAX_PER_SECOND));
    }

    /** @param audit where the policy's deny list writes the requests it refuses */
    public ConcurrencyGate(Policy policy, ConcurrencyLimiter limiter, ConcurrencyLimiter localFallback,
                           String storeDescription, PermitMetrics metrics, AuditLog audit) {
        if (policy.algorithm() != Algorithm.CONCURRENCY) {
            throw new IllegalArgumentException("not a concurrency policy: " + policy.describe());
        }
        if (policy.failureMode() == FailureMode.LOCAL && localFallback == null) {
            throw new IllegalArgumentException("failure mode local needs an in-memory fallback");
        }
        this.state = new State(policy, limiter, localFallback);
        this.storeDescription = storeDescription;
        this.metrics = metrics;
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
        long sentAt = System.nanoTime();
        Permit permit;
        boolean failed = false;
        try {
            permit = current.limiter.acquire(key);
        } catch (StoreUnavailableException e) {
            failed = true;
            logFailure(policy, e);
            permit = failureModePermit(current, key);
        }
        metrics.record(permit.decision(), failed, System.nanoTime() - sentAt);
        return permit;
    }

    private static Permit failureModePermit(State current, String key) {
        long limit = current.policy.limits().get(0).permits();
        switch (current.policy.failureMode()) {
            case LOCAL:
                return current.localFallback.acquire(key);
            case CLOSED:
                return Permit.without(PermitDecision.denied(limit, DecisionSource.BYPASS));
            default:
                return Permit.without(PermitDecision.granted(limit, 0, DecisionSource.BYPASS));
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
        State current = state;
        KeyLayout.IdentityKeys keys = current.policy.keyLayout().keysOf(identity);
        long dropped = current.limiter.dropIdentity(keys);
        if (current.localFallback != null && current.localFallback.store() != current.limiter.store()) {
            dropped += current.localFallback.dropIdentity(keys);
        }
        LOG.info("Dropped the permits of identity {} under policy {} ({} key(s))", LogValues.escape(identity),
                current.policy.name(), dropped);
        return dropped;
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
