package dev.ratelimit.core.management;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyOverride;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.redis.RedisClients;

/**
 * The control MBean of one web application, over the rate limiters and concurrency gates its filters
 * registered. A concurrency policy is listed and its identities can be reset; its limit comes from its
 * configuration only (web.xml or the policy file), so {@code setLimits} and {@code setDryRun} refuse it with a
 * message saying so.
 */
public final class RateLimitControl implements RateLimitControlMBean {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitControl.class);

    private final List<RateLimiter> limiters = new CopyOnWriteArrayList<>();
    private final List<ConcurrencyGate> gates = new CopyOnWriteArrayList<>();
    private final RedisClients redis;
    private volatile PolicyFileStatus policyFile = PolicyFileStatus.NONE;

    public RateLimitControl(RedisClients redis) {
        this.redis = redis;
    }

    public void register(RateLimiter limiter) {
        limiters.add(limiter);
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
        for (RateLimiter limiter : limiters) {
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
     * Every operator change in force, one line per policy whose override is not {@code none}, e.g.
     * {@code api: limits=200/1m (configured 100/1m)}. Identity overrides and blocks belong here too once they exist.
     */
    @Override
    public String[] getOverrides() {
        Set<String> lines = new LinkedHashSet<>();
        for (RateLimiter limiter : limiters) {
            PolicyOverride override = limiter.currentOverride();
            if (!override.isNone()) {
                Policy configured = limiter.configuredPolicy();
                lines.add(configured.name() + ": " + override + " (configured limits=" + configured.limits()
                        + " dry-run=" + configured.dryRun() + ")");
            }
        }
        return lines.toArray(new String[0]);
    }

    /** The limiters registered now, in registration order (a status page lists them). */
    public List<RateLimiter> limiters() {
        return new ArrayList<>(limiters);
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
        try {
            for (RateLimiter limiter : named(policy)) {
                limiter.updateLimits(limits);
            }
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return policy + ": limits " + limits;
    }

    @Override
    public String setDryRun(String policy, boolean dryRun) {
        for (RateLimiter limiter : named(policy)) {
            limiter.updateDryRun(dryRun);
        }
        return policy + ": dry-run " + dryRun;
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
        return policy + ": deleted " + deleted + " key(s) of " + identity;
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

    /** The rate limiters of the policy, for a change only they take; a concurrency policy is refused by name. */
    private List<RateLimiter> named(String policy) {
        List<RateLimiter> found = matching(policy);
        if (found.isEmpty() && !gatesNamed(policy).isEmpty()) {
            throw new IllegalArgumentException("Policy '" + policy + "' has algorithm 'concurrency': its limit and"
                    + " dry-run are not changed from JMX (change them in web.xml or the policy file); resetIdentity applies");
        }
        if (found.isEmpty()) {
            throw unknown(policy);
        }
        return found;
    }

    private List<RateLimiter> matching(String policy) {
        List<RateLimiter> found = new ArrayList<>();
        for (RateLimiter limiter : limiters) {
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
        for (RateLimiter limiter : limiters) {
            known.add(limiter.policy().name());
        }
        for (ConcurrencyGate gate : gates) {
            known.add(gate.policy().name());
        }
        return new IllegalArgumentException("No policy named '" + policy + "'; known: " + known);
    }
}
