package dev.ratelimit.core.management;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Durations;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.live.LiveOverrides;
import dev.ratelimit.core.live.OverrideChange;
import dev.ratelimit.core.live.OverrideChange.Action;
import dev.ratelimit.core.redis.RedisClients;

/**
 * The control MBean of one web application, over the limiters its filters registered. Changes to policies
 * and identities go through each limiter's {@link LiveOverrides}: kept in Redis (every instance applies them,
 * and they survive restarts until cleared) or, without Redis, in this instance's memory. Errors are thrown as
 * {@link IllegalArgumentException} / {@link IllegalStateException} with a message only, which any JMX console
 * can show without our classes.
 */
public final class RateLimitControl implements RateLimitControlMBean {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitControl.class);

    private final Map<RateLimiter, LiveOverrides> limiters = Collections.synchronizedMap(new LinkedHashMap<RateLimiter, LiveOverrides>());
    /** Names of the concurrency policies: known, but refused for live changes. */
    private final Map<String, Integer> gates = new ConcurrentHashMap<>();
    private final RedisClients redis;

    public RateLimitControl(RedisClients redis) {
        this.redis = redis;
    }

    public void register(RateLimiter limiter, LiveOverrides live) {
        limiters.put(limiter, live);
    }

    public void unregister(RateLimiter limiter) {
        limiters.remove(limiter);
    }

    public void registerGate(String policy) {
        gates.merge(policy, 1, Integer::sum);
    }

    public void unregisterGate(String policy) {
        gates.computeIfPresent(policy, (name, n) -> n > 1 ? n - 1 : null);
    }

    @Override
    public String[] getPolicies() {
        Set<String> lines = new LinkedHashSet<>();
        for (RateLimiter limiter : snapshot().keySet()) {
            lines.add(limiter.policy().describe());
        }
        return lines.toArray(new String[0]);
    }

    @Override
    public String[] getOverrides() {
        List<String> lines = new ArrayList<>();
        for (LiveOverrides live : new LinkedHashSet<>(snapshot().values())) {
            String where = live.store().shared() ? "" : " (this instance only)";
            for (String line : live.describe()) {
                lines.add(line + where);
            }
        }
        return lines.toArray(new String[0]);
    }

    @Override
    public String[] getBreakerStates() {
        return redis.describeBreakers().toArray(new String[0]);
    }

    @Override
    public String[] getStoreHealth() {
        return redis.probeAll().toArray(new String[0]);
    }

    @Override
    public String setLimits(String policy, String limits) {
        List<RateLimiter> found = named(policy);
        List<Limit> parsed = limits(limits);
        for (RateLimiter limiter : found) {
            fits(limiter.configuredPolicy(), parsed);
        }
        return change(found, Action.SET_LIMITS, policy, null, text(parsed), policy + ": limits " + text(parsed));
    }

    @Override
    public String setDryRun(String policy, boolean dryRun) {
        return change(named(policy), Action.SET_DRY_RUN, policy, null, Boolean.toString(dryRun),
                policy + ": dry-run " + dryRun);
    }

    @Override
    public String clearLimits(String policy) {
        return change(named(policy), Action.CLEAR_LIMITS, policy, null, null, policy + ": configured limits and dry-run again");
    }

    @Override
    public String setIdentityLimits(String policy, String identity, String limits) {
        List<RateLimiter> found = named(policy);
        String canonical = identity(found, identity);
        List<Limit> parsed = limits(limits);
        for (RateLimiter limiter : found) {
            fits(limiter.policy(), parsed);
        }
        return change(found, Action.SET_IDENTITY_LIMITS, policy, canonical, text(parsed),
                policy + ": " + canonical + " limits " + text(parsed));
    }

    @Override
    public String clearIdentityLimits(String policy, String identity) {
        List<RateLimiter> found = named(policy);
        String canonical = identity(found, identity);
        return change(found, Action.CLEAR_IDENTITY_LIMITS, policy, canonical, null, policy + ": " + canonical + " limits cleared");
    }

    @Override
    public String blockIdentity(String policy, String identity, String duration) {
        List<RateLimiter> found = named(policy);
        String canonical = identity(found, identity);
        long millis = duration == null ? -1 : Durations.parseMillis(duration);
        if (millis <= 0 || millis > Limit.MAX_WINDOW_MILLIS) {
            throw new IllegalArgumentException("Invalid duration '" + duration + "': " + Durations.ACCEPTED
                    + ", at most 366d");
        }
        return change(found, Action.BLOCK_IDENTITY, policy, canonical, Long.toString(millis),
                policy + ": " + canonical + " blocked for " + Durations.format(millis));
    }

    @Override
    public String unblockIdentity(String policy, String identity) {
        List<RateLimiter> found = named(policy);
        String canonical = identity(found, identity);
        return change(found, Action.UNBLOCK_IDENTITY, policy, canonical, null, policy + ": " + canonical + " unblocked");
    }

    @Override
    public String resetIdentity(String policy, String identity) {
        List<RateLimiter> found = named(policy);
        long deleted = 0;
        for (RateLimiter limiter : found) {
            deleted += limiter.resetIdentity(identity);
        }
        String result = policy + ": deleted " + deleted + " key(s) of " + identity;
        try {
            // Every instance forgets its local denials of the policy, not only this one.
            return change(found, Action.RESET_IDENTITY, policy, identity, null, result);
        } catch (IllegalStateException e) {
            return result + "; other instances not told: " + e.getMessage();
        }
    }

    @Override
    public String forceBreakersOpen() {
        redis.forceBreakers(true);
        LOG.warn("Circuit breakers forced OPEN from JMX: requests use their failure modes until forceBreakersClosed");
        return "open";
    }

    @Override
    public String forceBreakersClosed() {
        redis.forceBreakers(false);
        LOG.info("Circuit breakers forced CLOSED from JMX");
        return "closed";
    }

    /** Makes the change in each store the named limiters follow (usually one). */
    private String change(List<RateLimiter> found, Action action, String policy, String identity, String value,
                          String result) {
        Set<LiveOverrides> lives = new LinkedHashSet<>();
        Map<RateLimiter, LiveOverrides> all = snapshot();
        for (RateLimiter limiter : found) {
            lives.add(all.get(limiter));
        }
        String principal = JmxPrincipal.current();
        StringBuilder scope = new StringBuilder();
        for (LiveOverrides live : lives) {
            OverrideChange change = new OverrideChange(action, policy, identity, value, live.origin(), principal);
            long version;
            try {
                version = live.change(change);
            } catch (StoreUnavailableException e) {
                throw new IllegalStateException("nothing changed: the store of the live overrides did not answer ("
                        + e.getMessage() + ")");
            }
            scope.append(scope.length() == 0 ? "" : "; ").append("version ").append(version)
                    .append(live.store().shared() ? " on every instance" : " on this instance only (no Redis)");
        }
        return result + " (" + scope + ")";
    }

    private static List<Limit> limits(String limits) {
        try {
            return Limit.parseAll(PolicyParams.LIMITS, limits);
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static void fits(Policy policy, List<Limit> limits) {
        try {
            policy.withLimits(limits);
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException("policy " + policy.name() + ": " + e.getMessage());
        }
    }

    private static String identity(List<RateLimiter> found, String identity) {
        String canonical = null;
        for (RateLimiter limiter : found) {
            canonical = limiter.configuredPolicy().keyLayout().identityOf(identity);
        }
        return canonical;
    }

    private static String text(List<Limit> limits) {
        StringBuilder text = new StringBuilder();
        for (Limit limit : limits) {
            text.append(text.length() == 0 ? "" : ",").append(limit);
        }
        return text.toString();
    }

    private Map<RateLimiter, LiveOverrides> snapshot() {
        synchronized (limiters) {
            return new LinkedHashMap<>(limiters);
        }
    }

    private List<RateLimiter> named(String policy) {
        List<RateLimiter> found = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>();
        for (RateLimiter limiter : snapshot().keySet()) {
            Policy p = limiter.configuredPolicy();
            known.add(p.name());
            if (p.name().equals(policy)) {
                found.add(limiter);
            }
        }
        if (found.isEmpty()) {
            if (gates.containsKey(policy)) {
                throw new IllegalArgumentException("Policy '" + policy + "' has algorithm concurrency: live limits,"
                        + " dry-run and identity overrides are not supported for it (change its limits in web.xml)");
            }
            throw new IllegalArgumentException("No policy named '" + policy + "'; known: " + known);
        }
        return found;
    }
}
