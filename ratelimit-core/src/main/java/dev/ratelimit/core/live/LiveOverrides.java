package dev.ratelimit.core.live;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.AuditLog;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.IdentityOverrides;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.LogValues;
import dev.ratelimit.core.PolicyOverride;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.RateLimiter;

/**
 * The operator's live overrides of the limiters that keep them in one {@link OverrideStore} (one key prefix
 * on one Redis, or this instance's memory): it holds the last state read in memory and lays it over every
 * limiter registered, so requests never wait for the store. A change ({@link #change}) goes to the store in
 * one atomic step and is applied here at once; other instances apply it when the store announces it, or at
 * their next version check. Each change applied is one audit line ({@value AuditLog#LOGGER}) on each instance.
 */
public final class LiveOverrides implements AutoCloseable {

    /**
     * The most identity limits and blocks kept together (per key prefix and store): beyond it a new one is
     * refused, so a runaway script cannot grow every instance's memory without bound.
     */
    public static final int MAX_IDENTITY_OVERRIDES = 10_000;
    /** How many past changes the store keeps, for instances catching up to audit them. */
    public static final int CHANGE_LOG_LENGTH = 100;

    private static final Logger LOG = LoggerFactory.getLogger(LiveOverrides.class);
    private static final long READ_FAILURE_LOG_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final OverrideStore store;
    private final AuditLog audit;
    private final String origin;
    private final List<RateLimiter> limiters = new CopyOnWriteArrayList<>();
    /**
     * The identity entries of its policy each limiter got last: a limiter is only given new identity overrides
     * (which clears its local denials) when its own entries changed, not on every change of another policy.
     */
    private final Map<RateLimiter, List<Object>> appliedIdentities = new ConcurrentHashMap<>();
    private OverrideState state = OverrideState.EMPTY;
    /** Whether {@link #state} was read from the store (not merely the empty start), and when. */
    private boolean loaded;
    private long readAtNanos;
    private long lastReadFailureLog = System.nanoTime() - READ_FAILURE_LOG_NANOS;
    private boolean started;

    /** @param origin this instance, as change records name it (host, JVM, application) */
    public LiveOverrides(OverrideStore store, AuditLog audit, String origin) {
        this.store = store;
        this.audit = audit;
        this.origin = origin;
    }

    /** Lays the current overrides over the limiter, and keeps it up to date until {@link #unregister}. */
    public void register(RateLimiter limiter) {
        boolean first;
        synchronized (this) {
            first = !started;
            started = true;
        }
        limiters.add(limiter);
        if (first) {
            catchUp();
            store.watch(this::catchUp);
        } else {
            synchronized (this) {
                applyTo(limiter, state);
            }
        }
    }

    public void unregister(RateLimiter limiter) {
        limiters.remove(limiter);
        appliedIdentities.remove(limiter);
    }

    public String origin() {
        return origin;
    }

    public OverrideStore store() {
        return store;
    }

    /**
     * Makes the change in the store (one atomic step, announced to the other instances) and applies it here.
     *
     * @return the new version
     * @throws IllegalStateException when {@value #MAX_IDENTITY_OVERRIDES} identity overrides already exist
     * @throws dev.ratelimit.core.StoreUnavailableException when the store cannot be reached (nothing changed)
     */
    public long change(OverrideChange change) {
        long version = store.apply(change, MAX_IDENTITY_OVERRIDES);
        if (version < 0) {
            throw new IllegalStateException("refused: " + MAX_IDENTITY_OVERRIDES + " identity overrides (limits and"
                    + " blocks together) already exist under " + store.describe() + "; clear some first");
        }
        catchUp();
        return version;
    }

    /**
     * Reads the store when its version moved past the one applied here: audits each change since, and lays the
     * new state over every limiter. Called on announcements, by the version check, and after own changes.
     */
    public synchronized void catchUp() {
        OverrideState read;
        try {
            if (loaded && store.version() == state.version()) {
                return;
            }
            read = store.read(state.version());
        } catch (RuntimeException e) {
            long now = System.nanoTime();
            if (now - lastReadFailureLog >= READ_FAILURE_LOG_NANOS) {
                lastReadFailureLog = now;
                LOG.warn("Could not read the live rate-limit overrides from {}; keeping version {}: {}", store.describe(),
                        state.version(), e.toString());
            }
            return;
        }
        boolean firstRead = !loaded;
        long before = state.version();
        if (firstRead) {
            if (read.version() > 0) {
                audit.writeAction("overrides-loaded", "version", read.version(), "policy-overrides", read.policies().size(),
                        "identity-limits", read.identities().size(), "blocks", read.blocks().size(), "store", store.describe());
            }
        } else {
            if (!read.changesComplete()) {
                audit.writeAction("overrides-resync", "from-version", before, "to-version", read.version(),
                        "note", "changes in between are older than the change log");
            }
            for (OverrideChange change : read.changes()) {
                audit.writeAction("override", "action", change.action().text(), "policy", change.policy(),
                        "identity", change.identity(), "value", change.value(), "origin", change.origin(),
                        "principal", change.principal());
            }
        }
        state = read;
        loaded = true;
        readAtNanos = System.nanoTime();
        for (RateLimiter limiter : limiters) {
            applyTo(limiter, read);
        }
        if (!firstRead) {
            for (OverrideChange change : read.changes()) {
                if (change.action() == OverrideChange.Action.RESET_IDENTITY) {
                    forgetDenials(change.policy());
                }
            }
        }
    }

    private void forgetDenials(String policy) {
        for (RateLimiter limiter : limiters) {
            if (limiter.configuredPolicy().name().equals(policy)) {
                limiter.forgetDenials();
            }
        }
    }

    /** The state's overrides of the limiter's policy, laid over it; an entry that does not fit it is skipped with a WARN. */
    private void applyTo(RateLimiter limiter, OverrideState read) {
        String name = limiter.configuredPolicy().name();
        PolicyOverride override = PolicyOverride.NONE;
        String limits = read.policies().get(OverrideChange.LIMITS_FIELD + name);
        String dryRun = read.policies().get(OverrideChange.DRY_RUN_FIELD + name);
        try {
            if (limits != null) {
                override = override.withLimits(Limit.parseAll(PolicyParams.LIMITS, limits));
            }
            if (dryRun != null) {
                override = override.withDryRun(Boolean.parseBoolean(dryRun));
            }
            if (!override.toString().equals(limiter.currentOverride().toString())) {
                limiter.override(override);
            }
        } catch (ConfigurationException e) {
            LOG.warn("Live override of policy {} does not fit it and is not applied: {}", name, e.getMessage());
        }
        Map<String, String> ownIdentities = new HashMap<>();
        Map<String, Long> ownBlocks = new HashMap<>();
        for (Map.Entry<String, String> e : read.identities().entrySet()) {
            if (identityOf(e.getKey(), name) != null) {
                ownIdentities.put(e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, Long> e : read.blocks().entrySet()) {
            if (identityOf(e.getKey(), name) != null) {
                ownBlocks.put(e.getKey(), e.getValue());
            }
        }
        List<Object> signature = Arrays.<Object>asList(ownIdentities, ownBlocks);
        if (signature.equals(appliedIdentities.get(limiter))) {
            return;
        }
        appliedIdentities.put(limiter, signature);
        Map<String, List<Limit>> identityLimits = new HashMap<>();
        Map<String, Long> blocks = new HashMap<>();
        long nowNanos = System.nanoTime();
        int kept = 0;
        for (Map.Entry<String, String> e : ownIdentities.entrySet()) {
            String identity = identityOf(e.getKey(), name);
            if (kept++ < MAX_IDENTITY_OVERRIDES) {
                try {
                    identityLimits.put(identity, Limit.parseAll(PolicyParams.LIMITS, e.getValue()));
                } catch (ConfigurationException bad) {
                    LOG.warn("Live limits of identity {} under policy {} are not valid: {}", LogValues.escape(identity),
                            name, bad.getMessage());
                }
            }
        }
        for (Map.Entry<String, Long> e : ownBlocks.entrySet()) {
            String identity = identityOf(e.getKey(), name);
            long leftMillis = e.getValue() - read.nowMillis();
            if (leftMillis > 0 && kept++ < MAX_IDENTITY_OVERRIDES) {
                blocks.put(identity, nowNanos + TimeUnit.MILLISECONDS.toNanos(leftMillis));
            }
        }
        limiter.identityOverrides(identityLimits.isEmpty() && blocks.isEmpty() ? IdentityOverrides.NONE
                : new IdentityOverrides(identityLimits, blocks));
    }

    /** The identity of an identity field when the field is of this policy, else null. */
    private static String identityOf(String field, String policy) {
        int space = field.indexOf(' ');
        return space > 0 && field.substring(space + 1).equals(policy) ? field.substring(0, space) : null;
    }

    /**
     * One line per identity with limits of its own and per block under these policies, e.g.
     * {@code api: identity=user=alice limits=1000/1m} and {@code api: identity=ip=203.0.113.7
     * blocked-until=2026-11-30T12:00:00Z} (the store's clock, UTC); expired blocks are left out. A policy's own
     * override is its limiter's to tell ({@link RateLimiter#currentOverride()}).
     */
    public synchronized List<String> describeIdentities(Set<String> policies) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : state.identities().entrySet()) {
            int space = e.getKey().indexOf(' ');
            String policy = e.getKey().substring(space + 1);
            if (policies.contains(policy)) {
                lines.add(policy + ": identity=" + e.getKey().substring(0, space) + " limits=" + e.getValue());
            }
        }
        for (Map.Entry<String, Long> e : state.blocks().entrySet()) {
            long left = e.getValue() - state.nowMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readAtNanos);
            int space = e.getKey().indexOf(' ');
            String policy = e.getKey().substring(space + 1);
            if (left > 0 && policies.contains(policy)) {
                lines.add(policy + ": identity=" + e.getKey().substring(0, space) + " blocked-until="
                        + Instant.ofEpochMilli(e.getValue()));
            }
        }
        return lines;
    }

    public synchronized long version() {
        return state.version();
    }

    @Override
    public void close() {
        store.close();
    }
}
