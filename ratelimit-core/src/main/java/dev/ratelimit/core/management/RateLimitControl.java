package dev.ratelimit.core.management;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Durations;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyOverride;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.live.LiveOverrides;
import dev.ratelimit.core.live.OverrideChange;
import dev.ratelimit.core.live.OverrideChange.Action;
import dev.ratelimit.core.redis.RedisClients;

/**
 * The control MBean of one web application, over the rate limiters and concurrency gates its filters
 * registered. Changes to policies and identities go through each limiter's {@link LiveOverrides}: kept in
 * Redis (every instance applies them, and they survive restarts until cleared) or, without Redis, in this
 * instance's memory. A concurrency policy is listed and its identities can be reset; its limit comes from
 * its configuration only (web.xml or the policy file), so the other changes refuse it with a message saying so. Errors are thrown as
 * {@link IllegalArgumentException} / {@link IllegalStateException} with a message only, which any JMX console
 * can show without our classes.
 */
public final class RateLimitControl implements RateLimitControlMBean {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitControl.class);

    private final Map<RateLimiter, LiveOverrides> limiters = Collections.synchronizedMap(new LinkedHashMap<RateLimiter, LiveOverrides>());
    private final List<ConcurrencyGate> gates = new CopyOnWriteArrayList<>();
    private final RedisClients redis;
    private volatile PolicyFileStatus policyFile = PolicyFileStatus.NONE;

    public RateLimitControl(RedisClients redis) {
        this.redis = redis;
    }

    public void register(RateLimiter limiter, LiveOverrides live) {
        limiters.put(limiter, live);
    }

    public void unregister(RateLimiter limiter) {
        limiters.remove(limiter);
    }

    public void register(ConcurrencyGate gate) {
        gates.add(gate);
    }

    public void unregister(ConcurrencyGate gate) {
        gates.remove(gate);
    }

    @Override
    public String[] getPolicies() {
        Set<String> lines = new LinkedHashSet<>();
        for (RateLimiter limiter : snapshot().keySet()) {
            lines.add(limiter.policy().describe());
        }
        for (ConcurrencyGate gate : gates) {
            lines.add(gate.policy().describe());
        }
        return lines.toArray(new String[0]);
    }

    /** The application's policy file, whose version and last error the MBean shows. */
    public void policyFile(PolicyFileStatus live) {
        this.policyFile = live;
    }

    @Override
    public String getConfigFileVersion() {
        return policyFile.version();
    }

    @Override
    public String getConfigFileLastError() {
        return policyFile.lastError();
    }

    /**
     * Every operator change in force here: one line per policy whose override is not {@code none}, e.g.
     * {@code api: limits=200/1m (configured limits=[100/1m] dry-run=false)}, then one per identity with limits
     * of its own and per block ({@link LiveOverrides#describeIdentities}); {@code (this instance only)} ends
     * the lines of policies without Redis.
     */
    @Override
    public String[] getOverrides() {
        Map<RateLimiter, LiveOverrides> all = snapshot();
        Set<String> lines = new LinkedHashSet<>();
        Map<LiveOverrides, Set<String>> policiesByLive = new LinkedHashMap<>();
        for (Map.Entry<RateLimiter, LiveOverrides> e : all.entrySet()) {
            RateLimiter limiter = e.getKey();
            Policy configured = limiter.configuredPolicy();
            PolicyOverride override = limiter.currentOverride();
            if (!override.isNone()) {
                lines.add(configured.name() + ": " + override + " (configured limits=" + configured.limits()
                        + " dry-run=" + configured.dryRun() + ")" + where(e.getValue()));
            }
            Set<String> names = policiesByLive.get(e.getValue());
            if (names == null) {
                names = new LinkedHashSet<>();
                policiesByLive.put(e.getValue(), names);
            }
            names.add(configured.name());
        }
        for (Map.Entry<LiveOverrides, Set<String>> e : policiesByLive.entrySet()) {
            for (String line : e.getKey().describeIdentities(e.getValue())) {
                lines.add(line + where(e.getKey()));
            }
        }
        return lines.toArray(new String[0]);
    }

    private static String where(LiveOverrides live) {
        return live.store().shared() ? "" : " (this instance only)";
    }

    /** The limiters registered now, in registration order (a status page lists them). */
    public List<RateLimiter> limiters() {
        return new ArrayList<>(snapshot().keySet());
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
        List<RateLimiter> rateLimiters = matching(policy);
        List<ConcurrencyGate> concurrencyGates = gatesNamed(policy);
        if (rateLimiters.isEmpty() && concurrencyGates.isEmpty()) {
            throw unknown(policy);
        }
        long deleted = 0;
        for (RateLimiter limiter : rateLimiters) {
            deleted += limiter.resetIdentity(identity);
        }
        for (ConcurrencyGate gate : concurrencyGates) {
            deleted += gate.resetIdentity(identity);
        }
        String result = policy + ": deleted " + deleted + " key(s) of " + identity;
        if (rateLimiters.isEmpty()) {
            return result;
        }
        try {
            // Every instance forgets its local denials of the policy, not only this one.
            return change(rateLimiters, Action.RESET_IDENTITY, policy, identity, null, result);
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

    /** The rate limiters of the policy, for a change only they take; a concurrency policy is refused by name. */
    private List<RateLimiter> named(String policy) {
        List<RateLimiter> found = matching(policy);
        if (found.isEmpty() && !gatesNamed(policy).isEmpty()) {
            throw new IllegalArgumentException("Policy '" + policy + "' has algorithm 'concurrency': its limit and"
                    + " dry-run are not changed from JMX (change them in web.xml or the policy file), and identity"
                    + " limits and blocks are not supported for it; resetIdentity applies");
        }
        if (found.isEmpty()) {
            throw unknown(policy);
        }
        return found;
    }

    private List<RateLimiter> matching(String policy) {
        List<RateLimiter> found = new ArrayList<>();
        for (RateLimiter limiter : snapshot().keySet()) {
            if (limiter.policy().name().equals(policy)) {
                found.add(limiter);
            }
        }
        return found;
    }

    private List<ConcurrencyGate> gatesNamed(String policy) {
        List<ConcurrencyGate> found = new ArrayList<>();
        for (ConcurrencyGate gate : gates) {
            if (gate.policy().name().equals(policy)) {
                found.add(gate);
            }
        }
        return found;
    }

    private IllegalArgumentException unknown(String policy) {
        Set<String> known = new LinkedHashSet<>();
        for (RateLimiter limiter : snapshot().keySet()) {
            known.add(limiter.policy().name());
        }
        for (ConcurrencyGate gate : gates) {
            known.add(gate.policy().name());
        }
        return new IllegalArgumentException("No policy named '" + policy + "'; known: " + known);
    }
}
