package dev.ratelimit.core.management;

/**
 * Operations on one web application's rate limits, for a JMX console (jconsole, VisualVM, a
 * container's management console). Registered as {@code <domain>:app=<application>,type=Control,name=control}.
 * Every change takes effect with the next request and is logged.
 */
public interface RateLimitControlMBean {

    /** One line per policy: name, scope, limits, algorithm, key, failure mode, dry-run. */
    String[] getPolicies();

    /** One line per policy an operator changed (limits, dry-run): the change and what was configured. */
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
     * Replaces the limits of every limiter with this policy name, e.g. {@code 200/1m, 5000/1h}; refused for a
     * concurrency policy, whose limit comes from its configuration only (web.xml or the policy file).
     */
    String setLimits(String policy, String limits);

    /** Turns dry-run on or off for the policy. */
    String setDryRun(String policy, boolean dryRun);

    /**
     * Deletes the counters of one identity under the policy; under a concurrency policy, drops its permits
     * (on Redis, those every instance holds): its running requests no longer count.
     *
     * @param identity as in keys: {@code ip=203.0.113.7}, {@code user=alice}, {@code h.x-api-key=k1}
     */
    String resetIdentity(String policy, String identity);

    /** Opens every Redis breaker of the application: requests use their failure modes (maintenance). */
    String forceBreakersOpen();

    /** Closes every Redis breaker again. */
    String forceBreakersClosed();
}
