package dev.ratelimit.core;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One policy applied through one store. When the store cannot answer, the policy's failure mode
 * decides: allow ({@code open}), deny ({@code closed}), or count in this instance's memory
 * ({@code local}). Store failures are logged at most once per {@value #FAILURE_LOG_INTERVAL_SECONDS} s.
 */
public final class RateLimiter {

    static final long FAILURE_LOG_INTERVAL_SECONDS = 30;

    /** How long a client is told to wait when a closed failure mode denies. */
    static final long CLOSED_RETRY_AFTER_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final Logger AUDIT = LoggerFactory.getLogger("dev.ratelimit.audit");

    private final Policy policy;
    private final RateLimitStore store;
    private final RateLimitStore localFallback;
    private final LocalDenyCache denyCache = new LocalDenyCache();
    private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong failuresSinceLog = new AtomicLong();

    /**
     * @param localFallback the in-memory store for failure mode {@code local}; may be null otherwise
     */
    public RateLimiter(Policy policy, RateLimitStore store, RateLimitStore localFallback) {
        if (policy.failureMode() == FailureMode.LOCAL && localFallback == null) {
            throw new IllegalArgumentException("failure mode local needs an in-memory fallback store");
        }
        this.policy = policy;
        this.store = store;
        this.localFallback = localFallback;
    }

    public Policy policy() {
        return policy;
    }

    public Decision acquire(RequestView request) {
        List<String> keys = RateLimitKeys.keysFor(policy, request);
        Decision decision = decide(keys);
        if (!decision.allowed()) {
            audit(request, keys.get(0), decision);
        }
        return policy.dryRun() ? decision.asDryRun() : decision;
    }

    private Decision decide(List<String> keys) {
        String cacheKey = keys.get(0);
        long sentAt = System.nanoTime();
        Decision cached = denyCache.get(cacheKey, sentAt);
        if (cached != null) {
            return cached;
        }
        try {
            Decision decision = store.acquire(policy.algorithm(), keys, policy.limits(), policy.cost());
            if (!decision.allowed() && decision.source() == DecisionSource.REDIS) {
                denyCache.put(cacheKey, decision, sentAt);
            }
            return decision;
        } catch (StoreUnavailableException e) {
            logFailure(e);
            switch (policy.failureMode()) {
                case LOCAL:
                    return localFallback.acquire(policy.algorithm(), keys, policy.limits(), policy.cost());
                case CLOSED:
                    return Decision.denied(0, 0, System.currentTimeMillis() + CLOSED_RETRY_AFTER_MILLIS,
                            CLOSED_RETRY_AFTER_MILLIS, DecisionSource.BYPASS);
                default:
                    return Decision.allowed(0, 0, System.currentTimeMillis(), DecisionSource.BYPASS);
            }
        }
    }

    /** Forgets the counters of the identity this request belongs to (and any local denial of it). */
    public void reset(RequestView request) {
        List<String> keys = RateLimitKeys.keysFor(policy, request);
        denyCache.remove(keys.get(0));
        store.reset(keys);
        if (localFallback != null && localFallback != store) {
            localFallback.reset(keys);
        }
    }

    private void logFailure(StoreUnavailableException e) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        long suppressed = failuresSinceLog.incrementAndGet();
        if (now - last >= TimeUnit.SECONDS.toNanos(FAILURE_LOG_INTERVAL_SECONDS)
                && lastFailureLog.compareAndSet(last, now)) {
            failuresSinceLog.set(0);
            LOG.warn("Rate-limit store {} failed for policy {} ({} failure(s) since last report); failure mode {}: {}",
                    store.describe(), policy.name(), suppressed, policy.failureMode(), e.getMessage());
        }
    }

    private void audit(RequestView request, String key, Decision decision) {
        if (AUDIT.isInfoEnabled()) {
            AUDIT.info("denied policy={} scope={} route={} method={} address={} source={} dry-run={} retry-after-ms={} key={}",
                    policy.name(), policy.scope(), request.route(), request.method(),
                    RateLimitKeys.clientAddress(policy, request), decision.source(), policy.dryRun(),
                    decision.retryAfterMillis(), key);
        }
    }
}
