package dev.ratelimit.core.management;

/**
 * Operations on one web application's rate limits, for a JMX console (jconsole, VisualVM, a
 * container's management console). Registered as {@code <domain>:app=<application>,type=Control,name=control}.
 *
 * <p>Changes to policies and identities are live overrides: with Redis they are stored there (under the
 * policy's {@code key-prefix}), announced to every instance, applied by each within 2 s, and kept across
 * restarts and redeploys until cleared; without Redis they hold for this instance only, until it stops.
 * Precedence: identity override &gt; policy override &gt; policy file &gt; {@code web.xml}. Every change is
 * one line on the {@code dev.ratelimit.audit} logger of every instance that applies it, naming the instance
 * that made it and the JMX principal. Policies with algorithm {@code concurrency} refuse them (their limit is
 * fixed at deployment); only {@link #resetIdentity} applies to them.
 *
 * <p>{@code identity} is written as in keys: {@code ip=203.0.113.7} (an IPv6 address stands for its network of
 * {@code ipv6-prefix} bits), {@code user=alice}, {@code h.x-api-key=k1}; its label must be one the policy's
 * {@code key} counts by ({@code ip} always fits a policy keyed by a user or a header: anonymous requests are
 * counted by address). Limits are written as in {@code web.xml} ({@code 200/1m, 5000/1h}), durations as windows
 * ({@code 30s}, {@code 10m}, {@code 1d}).
 */
public interface RateLimitControlMBean {

    /** One line per policy: name, scope, limits, algorithm, key, failure mode, dry-run (overrides applied). */
    String[] getPolicies();

    /**
     * One line per override in force: a policy an operator changed (limits, dry-run) with what was configured,
     * {@code api: limits=200/1m dry-run=true (configured limits=[100/1m] dry-run=false)}; an identity with limits
     * of its own, {@code api: identity=user=alice limits=1000/1m}; a block, {@code api: identity=ip=203.0.113.7
     * blocked-until=2026-11-30T12:00:00Z}; each ends with {@code (this instance only)} without Redis.
     */
    String[] getOverrides();

    /** One line per Redis client: its URL (without password) and breaker state. */
    String[] getBreakerStates();

    /** One line per Redis client: a PING's result and latency. */
    String[] getStoreHealth();

    /** The policy file in force: {@code version N sha256:… applied <time> from <file>}, or none. */
    String getConfigFileVersion();

    /** The policy file's last failed load (its time, file, line, entry and value), or {@code none}. */
    String getConfigFileLastError();

    /**
     * Replaces the policy's limits on every instance, e.g. {@code 200/1m, 5000/1h}, until {@link #clearLimits};
     * refused for a concurrency policy, whose limit comes from its configuration only (web.xml or the policy file).
     */
    String setLimits(String policy, String limits);

    /** Turns dry-run on or off for the policy on every instance, until {@link #clearLimits}. */
    String setDryRun(String policy, boolean dryRun);

    /** Removes the policy's override (limits and dry-run): its configured policy applies again everywhere. */
    String clearLimits(String policy);

    /** Gives one identity limits of its own under the policy, replacing the policy's for its requests. */
    String setIdentityLimits(String policy, String identity, String limits);

    /** Removes the identity's own limits: the policy's apply to it again. */
    String clearIdentityLimits(String policy, String identity);

    /** Answers the identity's requests under the policy with 403 {@code ACCESS_DENIED} for {@code duration}. */
    String blockIdentity(String policy, String identity, String duration);

    /** Ends the identity's block before it expires. */
    String unblockIdentity(String policy, String identity);

    /**
     * Deletes the counters of one identity under the policy, and makes every instance forget its local denials;
     * under a concurrency policy, drops its permits (on Redis, those every instance holds): its running requests
     * no longer count.
     *
     * @param identity as in keys: {@code ip=203.0.113.7}, {@code user=alice}, {@code h.x-api-key=k1}
     */
    String resetIdentity(String policy, String identity);

    /** Opens every Redis breaker of the application: requests use their failure modes (maintenance). */
    String forceBreakersOpen();

    /** Closes every Redis breaker again. */
    String forceBreakersClosed();
}
