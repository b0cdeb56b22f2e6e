package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * One policy applied through one store. When the store cannot answer, the policy's failure mode
 * decides: allow ({@code open}), deny ({@code closed}), or count in this instance's memory
 * ({@code local}). Store failures are logged at most once per {@value #FAILURE_LOG_INTERVAL_SECONDS} s.
 * The policy in force is the configured one ({@code web.xml}, then the policy file: {@link #reconfigure})
 * with the operator's {@link PolicyOverride} laid over it ({@link #override}); the next request sees a change.
 * A request that began under an earlier policy file (its generation, {@link #acquire(RequestView, long)}) is
 * decided by the policy of that file, so a request passing several limiters sees one file, all old or all new.
 */
public final class RateLimiter {

    static final long FAILURE_LOG_INTERVAL_SECONDS = 30;

    /** How long a client is told to wait when a closed failure mode denies. */
    static final long CLOSED_RETRY_AFTER_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);

    /** The configured policy with the override laid over it: what requests are counted against. */
    private volatile Policy policy;
    /**
     * The policy file generation {@link #policy} was configured from and the policy in force before it.
     * Written before {@link #policy} and read after it (see {@link #policy(long)}).
     */
    private volatile Reconfigured reconfigured = new Reconfigured(0, null);
    private Policy configured;
    private PolicyOverride override = PolicyOverride.NONE;
    private final RateLimitStore store;
    private final RateLimitStore localFallback;
    private final PolicyMetrics metrics;
    private final AuditLog audit;
    private final LocalDenyCache denyCache = new LocalDenyCache();
    private final RecentHeavyHitters deniedIdentities = new RecentHeavyHitters();
    private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong failuresSinceLog = new AtomicLong();

    /**
     * @param localFallback the in-memory store for failure mode {@code local}; may be null otherwise
     */
    public RateLimiter(Policy policy, RateLimitStore store, RateLimitStore localFallback) {
        this(policy, store, localFallback, PolicyMetrics.NONE, new AuditLog(AuditLog.DEFAULT_MAX_PER_SECOND));
    }

    public RateLimiter(Policy policy, RateLimitStore store, RateLimitStore localFallback, PolicyMetrics metrics,
                       AuditLog audit) {
        if (policy.failureMode() == FailureMode.LOCAL && localFallback == null) {
            throw new IllegalArgumentException("failure mode local needs an in-memory fallback store");
        }
        this.policy = policy;
        this.configured = policy;
        this.store = store;
        this.localFallback = localFallback;
        this.metrics = metrics;
        this.audit = audit;
    }

    public Policy policy() {
        return policy;
    }

    public RateLimitStore store() {
        return store;
    }

    /**
     * The identities this limiter turned away most often in the last 15 minutes on this instance (dry-run
     * denials included), as {@link KeyLayout#identityIn} writes them; bounded, whatever clients send.
     */
    public RecentHeavyHitters.Summary deniedIdentities() {
        return deniedIdentities.summary();
    }

    /**
     * The policy in force for a request that began under policy file {@code generation}: the current one,
     * or the one it replaced when the current one came from a later file.
     */
    public Policy policy(long generation) {
        Policy current = policy;
        Reconfigured last = reconfigured;
        return generation < last.generation && last.before != null ? last.before : current;
    }

    /** What the policy does with this request: limit, skip (not counted, no headers) or deny (audited). */
    public RequestRules.Verdict verdict(RequestView request, long generation) {
        return policy(generation).verdict(request, audit);
    }

    public Decision acquire(RequestView request) {
        return acquire(request, Long.MAX_VALUE);
    }

    /** @param generation the policy file generation the request began under ({@link Long#MAX_VALUE}: the newest) */
    public Decision acquire(RequestView request, long generation) {
        Policy current = policy(generation).forPlanOf(request);
        List<String> keys = current.keyLayout().keysFor(request);
        Decision decision = decide(current, keys);
        if (!decision.allowed()) {
            deniedIdentities.add(KeyLayout.identityIn(keys.get(0)));
            audit.write("denied", "policy", current.name(), "scope", current.scope(),
                    "route", request.route(), "method", request.method(),
                    "address", current.clientAddress(request),
                    "source", decision.source(), "dry-run", current.dryRun(), "retry-after-ms", decision.retryAfterMillis());
        }
        return reported(current, decision);
    }

    /**
     * The denial this instance already holds for the request's identity ({@link LocalDenyCache}), without
     * asking the store; null when it holds none. Only this instance's own denials are known: another
     * instance learns of an identity over its limit the first time it asks the store itself.
     */
    public Decision cachedDenial(RequestView request) {
        Policy current = policy.forPlanOf(request);
        Decision cached = denyCache.get(current.keyLayout().keysFor(request).get(0), System.nanoTime(), current);
        if (cached == null) {
            return null;
        }
        Decision reported = reported(current, cached);
        metrics.record(reported, false, -1);
        return reported;
    }

    /** The decision as adapters see it: made under {@code current}, and marked when that is a dry run. */
    private static Decision reported(Policy current, Decision decision) {
        Decision decided = decision.decidedBy(current);
        return current.dryRun() ? decided.asDryRun() : decided;
    }

    private Decision decide(Policy current, List<String> keys) {
        String cacheKey = keys.get(0);
        long sentAt = System.nanoTime();
        Decision cached = denyCache.get(cacheKey, sentAt, current);
        if (cached != null) {
            metrics.record(current.dryRun() ? cached.asDryRun() : cached, false, -1);
            return cached;
        }
        Decision decision;
        boolean failed = false;
        try {
            decision = store.acquire(current.algorithm(), keys, current.limits(), current.cost());
            if (!decision.allowed() && decision.source() == DecisionSource.REDIS) {
                denyCache.put(cacheKey, decision, sentAt, current);
            }
        } catch (StoreUnavailableException e) {
            failed = true;
            logFailure(current, e);
            decision = failureDecision(current, keys);
        }
        metrics.record(current.dryRun() ? decision.asDryRun() : decision, failed, System.nanoTime() - sentAt);
        return decision;
    }

    private Decision failureDecision(Policy current, List<String> keys) {
        switch (current.failureMode()) {
            case LOCAL:
                return localFallback.acquire(current.algorithm(), keys, current.limits(), current.cost());
            case CLOSED:
                return Decision.denied(0, 0, System.currentTimeMillis() + CLOSED_RETRY_AFTER_MILLIS,
                        CLOSED_RETRY_AFTER_MILLIS, DecisionSource.BYPASS);
            default:
                return Decision.allowed(0, 0, System.currentTimeMillis(), DecisionSource.BYPASS);
        }
    }

    /** Forgets the counters of the identity this request belongs to (and any local denial of it). */
    public void reset(RequestView request) {
        List<String> keys = policy.keyLayout().keysFor(request);
        denyCache.remove(keys.get(0));
        store.reset(keys);
        if (localFallback != null && localFallback != store) {
            localFallback.reset(keys);
        }
    }

    /**
     * Forgets every counter of one identity under this policy (with its {@code counter}: under every policy
     * sharing it), whatever its tenant, route or method.
     *
     * @param identity as it appears in keys: {@code ip=203.0.113.7}, {@code user=alice}, {@code h.x-api-key=k1};
     *        an IPv6 address stands for its network of {@code ipv6-prefix} bits, as it is counted
     * @return how many keys were deleted
     */
    public long resetIdentity(String identity) {
        Policy current = policy;
        KeyLayout.IdentityKeys keys = current.keyLayout().keysOf(identity);
        long deleted = 0;
        for (RateLimitStore s : stores()) {
            List<String> matching = new ArrayList<>();
            for (String key : s.keysMatching(keys.scanPattern())) {
                if (keys.matches(key)) {
                    matching.add(key);
                }
            }
            if (!matching.isEmpty()) {
                s.reset(matching);
                deleted += matching.size();
            }
        }
        denyCache.clear();
        LOG.info("Reset {} key(s) of identity {} under policy {}", deleted, LogValues.escape(identity), current.name());
        return deleted;
    }

    private List<RateLimitStore> stores() {
        List<RateLimitStore> stores = new ArrayList<>(2);
        stores.add(store);
        if (localFallback != null && localFallback != store) {
            stores.add(localFallback);
        }
        return stores;
    }

    /** The policy as configured ({@code web.xml}, then the policy file), without the operator's override. */
    public synchronized Policy configuredPolicy() {
        return configured;
    }

    public synchronized PolicyOverride currentOverride() {
        return override;
    }

    /** A new configured policy (the policy file changed); the operator's override stays laid over it. */
    public synchronized void reconfigure(Policy newConfigured) {
        reconfigure(newConfigured, reconfigured.generation);
    }

    /** The same, from policy file {@code generation}: requests that began under an earlier file keep the policy in force now. */
    public synchronized void reconfigure(Policy newConfigured, long generation) {
        if (!newConfigured.name().equals(configured.name())) {
            throw new IllegalArgumentException("policy " + configured.name() + " cannot become " + newConfigured.name());
        }
        Policy applied = override.applyTo(newConfigured);
        configured = newConfigured;
        reconfigured = new Reconfigured(generation, policy);
        policy = applied;
        denyCache.clear();
    }

    /** Lays the operator's change over the configured policy ({@link PolicyOverride#NONE} clears it). */
    public synchronized void override(PolicyOverride newOverride) {
        Policy applied = newOverride.applyTo(configured);
        override = newOverride;
        policy = applied;
        denyCache.clear();
    }

    /** Replaces the policy's limits from now on, e.g. {@code 200/1m}; counters already kept stay. */
    public synchronized void updateLimits(String limits) {
        override(override.withLimits(Limit.parseAll(PolicyParams.LIMITS, limits)));
        LOG.info("Policy {}: limits changed to {}", policy.name(), policy.limits());
    }

    public synchronized void updateDryRun(boolean dryRun) {
        override(override.withDryRun(dryRun));
        LOG.info("Policy {}: dry-run {}", policy.name(), dryRun ? "on" : "off");
    }

    private void logFailure(Policy current, StoreUnavailableException e) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        long suppressed = failuresSinceLog.incrementAndGet();
        if (now - last >= TimeUnit.SECONDS.toNanos(FAILURE_LOG_INTERVAL_SECONDS)
                && lastFailureLog.compareAndSet(last, now)) {
            failuresSinceLog.set(0);
            LOG.warn("Rate-limit store {} failed for policy {} ({} failure(s) since last report); failure mode {}: {}",
                    store.describe(), current.name(), suppressed, current.failureMode(), e.getMessage());
        }
    }

    /** A policy file generation and the policy in force before it was applied. */
    private static final class Reconfigured {
        final long generation;
        final Policy before;

        Reconfigured(long generation, Policy before) {
            this.generation = generation;
            this.before = before;
        }
    }
}
