package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * An operator's {@link IdentityOverrides} go further: limits of their own for single identities, and blocks.
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
    private IdentityOverrides identityOverrides = IdentityOverrides.NONE;
    /** The policy in force for each identity with limits of its own, rebuilt whenever the policy or the overrides change. */
    private volatile IdentityPolicies identityPolicies = IdentityPolicies.NONE;
    private final RateLimitStore store;
    private final RateLimitStore localFallback;
    private final PolicyMetrics metrics;
    private final AuditLog audit;
    private final RecentHeavyHitters deniedIdentities = new RecentHeavyHitters();
    /** Counts the denials it answers into {@link #deniedIdentities} itself, in batches (a flood is these). */
    private final LocalDenyCache denyCache = new LocalDenyCache(deniedIdentities);
    private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong failuresSinceLog = new AtomicLong();
    /** Null unless the policy has {@code prefetch} above 1: the default path allocates and looks up nothing more. */
    private final PrefetchLeases leases;

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
        this.leases = policy.prefetch() > 1 ? new PrefetchLeases(store, metrics) : null;
    }

    public Policy policy() {
        return policy;
    }

    public RateLimitStore store() {
        return store;
    }

    /** The permits this limiter reserved in advance ({@code prefetch}); null when its policy has none. */
    public PrefetchLeases prefetchLeases() {
        return leases;
    }

    /**
     * The identities this limiter turned away most often in the last 15 minutes on this instance (dry-run
     * denials included), as {@link KeyLayout#identityIn} writes them; bounded, whatever clients send.
     */
    public RecentHeavyHitters.Summary deniedIdentities() {
        denyCache.reportPending();
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
        Policy current = policyFor(request, generation);
        List<String> keys = current.keyLayout().keysFor(request);
        Decision decision = decide(current, keys);
        // Denials are counted for their identity in decide (those from the deny cache by the cache).
        if (!decision.allowed() && audit.admit()) {
            audit.writeAdmitted("denied", "policy", current.name(), "scope", current.scope(),
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
        Policy current = policyFor(request, Long.MAX_VALUE);
        Decision cached = denyCache.get(current.keyLayout().keysFor(request).get(0), System.nanoTime(), current);
        if (cached == null) {
            return null;
        }
        Decision reported = reported(current, cached);
        metrics.record(reported, false, -1);
        return reported;
    }

    /**
     * Whether an operator blocked the request's identity ({@code blockIdentity}): then the adapter answers
     * 403 {@code ACCESS_DENIED} without counting it (also in dry-run: a block is an explicit order). Audited.
     */
    public boolean blocks(RequestView request) {
        IdentityPolicies own = identityPolicies;
        if (!own.overrides.hasBlocks()) {
            return false;
        }
        Policy current = policy;
        long now = System.nanoTime();
        List<String> identities = new ArrayList<>(current.keyLayout().identityOf(request));
        // A blocked address stays blocked when its requests are counted by user or header (signed in, say).
        String address = current.keyLayout().addressIdentityOf(request);
        if (!identities.contains(address)) {
            identities.add(address);
        }
        for (String identity : identities) {
            if (own.overrides.blocked(identity, now)) {
                audit.write("blocked", "policy", current.name(), "scope", current.scope(), "identity", identity,
                        "route", request.route(), "method", request.method(), "address", current.clientAddress(request));
                return true;
            }
        }
        return false;
    }

    /**
     * The policy in force for this request: its identity's own limits when an operator gave it some, else
     * its plan's, else the policy's (identity override > plan > policy override > file > web.xml).
     */
    private Policy policyFor(RequestView request, long generation) {
        Policy current = policy;
        Policy base = policy(generation);
        IdentityPolicies own = identityPolicies;
        // Identity policies are built on the current policy: a request of an older file generation keeps its file.
        if (!own.policies.isEmpty() && base == current) {
            for (String identity : current.keyLayout().identityOf(request)) {
                Policy overridden = own.policies.get(identity);
                if (overridden != null) {
                    return overridden;
                }
            }
        }
        return base.forPlanOf(request);
    }

    /** The decision as adapters see it: made under {@code current}, and marked when that is a dry run. */
    private static Decision reported(Policy current, Decision decision) {
        return decision.decidedBy(current, current.dryRun() || decision.dryRun());
    }

    private Decision decide(Policy current, List<String> keys) {
        String cacheKey = keys.get(0);
        long sentAt = System.nanoTime();
        Decision cached = denyCache.get(cacheKey, sentAt, current, true);
        if (cached != null) {
            metrics.record(current.dryRun() ? cached.asDryRun() : cached, false, -1);
            return cached;
        }
        if (leases != null) {
            Decision held = leases.spend(cacheKey, current, sentAt);
            if (held != null) {
                metrics.recordPrefetched(held);
                return held;
            }
        }
        Decision decision;
        boolean failed = false;
        try {
            decision = leases == null ? store.acquire(current, keys) : leases.reserve(current, keys, sentAt);
            if (!decision.allowed() && decision.source() == DecisionSource.REDIS) {
                denyCache.put(cacheKey, decision, sentAt, current);
            }
        } catch (StoreUnavailableException e) {
            failed = true;
            logFailure(current, e);
            decision = failureDecision(current, keys);
        }
        if (!decision.allowed()) {
            deniedIdentities.add(KeyLayout.identityIn(cacheKey));
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
        if (leases != null) {
            leases.drop(keys.get(0));
        }
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
        if (leases != null) {
            leases.dropAll();
        }
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
        Policy applied;
        try {
            applied = override.applyTo(newConfigured);
        } catch (ConfigurationException notFitting) {
            // Thrown here, it would leave the file applied to the policies before this one only.
            LOG.warn("Policy {}: the operator's override ({}) does not fit the reloaded policy and is not applied"
                    + " until it is changed or cleared: {}", newConfigured.name(), override, notFitting.getMessage());
            applied = newConfigured;
        }
        configured = newConfigured;
        reconfigured = new Reconfigured(generation, policy);
        policy = applied;
        identityPolicies = IdentityPolicies.of(applied, identityOverrides);
        denyCache.clear();
    }

    /** Lays the operator's change over the configured policy ({@link PolicyOverride#NONE} clears it). */
    public synchronized void override(PolicyOverride newOverride) {
        Policy applied = newOverride.applyTo(configured);
        override = newOverride;
        policy = applied;
        identityPolicies = IdentityPolicies.of(applied, identityOverrides);
        denyCache.clear();
    }

    /**
     * Replaces the operator's overrides of single identities; an identity's limits replace the policy's
     * (over any {@link PolicyOverride}) for its requests from the next one on.
     *
     * Identity limits that do not fit the policy (e.g. its cost) are skipped with a WARN.
     */
    public synchronized void identityOverrides(IdentityOverrides overrides) {
        identityPolicies = IdentityPolicies.of(policy, overrides);
        identityOverrides = overrides;
        denyCache.clear();
    }

    public synchronized IdentityOverrides currentIdentityOverrides() {
        return identityOverrides;
    }

    /**
     * Forgets this instance's local denials and its reserved permits (another instance reset an identity's
     * counters: the permits held were counted under the old ones).
     */
    public void forgetDenials() {
        denyCache.clear();
        if (leases != null) {
            leases.dropAll();
        }
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

    /** The policy per identity with limits of its own; one policy per distinct set of limits, however many identities share it. */
    private static final class IdentityPolicies {
        static final IdentityPolicies NONE = new IdentityPolicies(IdentityOverrides.NONE, Collections.<String, Policy>emptyMap());

        final IdentityOverrides overrides;
        final Map<String, Policy> policies;

        private IdentityPolicies(IdentityOverrides overrides, Map<String, Policy> policies) {
            this.overrides = overrides;
            this.policies = policies;
        }

        static IdentityPolicies of(Policy applied, IdentityOverrides overrides) {
            if (overrides.isEmpty()) {
                return NONE;
            }
            Map<List<Limit>, Policy> byLimits = new HashMap<>();
            Map<String, Policy> policies = new HashMap<>();
            for (Map.Entry<String, List<Limit>> e : overrides.limits().entrySet()) {
                Policy own = byLimits.get(e.getValue());
                if (own == null) {
                    try {
                        own = applied.withLimits(e.getValue());
                    } catch (ConfigurationException notFitting) {
                        // E.g. a reloaded policy whose cost exceeds them: the policy's own limits apply instead.
                        LOG.warn("Policy {}: limits {} of identity {} do not fit it and are not applied: {}", applied.name(),
                                e.getValue(), LogValues.escape(e.getKey()), notFitting.getMessage());
                        continue;
                    }
                    byLimits.put(e.getValue(), own);
                }
                policies.put(e.getKey(), own);
            }
            return new IdentityPolicies(overrides, policies);
        }
    }
}
