package dev.ratelimit.core.metrics;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.health.HealthCheckRegistry;
import com.codahale.metrics.jmx.JmxReporter;

import dev.ratelimit.core.PermitMetrics;
import dev.ratelimit.core.PolicyMetrics;
import dev.ratelimit.core.StoreCircuitBreaker;
import dev.ratelimit.core.StoreHealth;
import dev.ratelimit.core.redis.LazyRedisClient;
import dev.ratelimit.core.redis.ScriptCalls;

/**
 * The metrics of one web application: its registry (its own, or one the application already has),
 * the policies' meters, gauges for each Redis client, health checks, and a JMX reporter for all of it.
 * {@link #close()} stops the reporter and removes every metric it added.
 */
public final class RateLimitMetrics implements AutoCloseable {

    /** Default {@code metrics-domain}. */
    public static final String DEFAULT_DOMAIN = "dev.ratelimit";

    private static final MetricFilter OURS = MetricFilter.startsWith(MetricNames.PREFIX + ".");

    private final MetricRegistry registry;
    private final HealthCheckRegistry healthChecks = new HealthCheckRegistry();
    private final Map<String, PolicyMetrics> policies = new ConcurrentHashMap<>();
    private final Map<String, PermitMetrics> permitPolicies = new ConcurrentHashMap<>();
    private final JmxReporter reporter;

    /**
     * @param registry the application's registry, or null for a new one
     * @param jmx      whether to publish the metrics as MBeans in the platform MBean server
     */
    public RateLimitMetrics(MetricRegistry registry, String application, String domain, boolean jmx) {
        this.registry = registry != null ? registry : new MetricRegistry();
        if (jmx) {
            reporter = JmxReporter.forRegistry(this.registry)
                    .registerWith(ManagementFactory.getPlatformMBeanServer())
                    .inDomain(domain)
                    .createsObjectNamesWith(new JmxNames(application))
                    .filter(OURS)
                    .convertDurationsTo(TimeUnit.MICROSECONDS)
                    .convertRatesTo(TimeUnit.SECONDS)
                    .build();
            reporter.start();
        } else {
            reporter = null;
        }
    }

    public MetricRegistry registry() {
        return registry;
    }

    public HealthCheckRegistry healthChecks() {
        return healthChecks;
    }

    /** The meters of a policy; limiters with the same policy name share them. */
    public PolicyMetrics policy(String name) {
        return policies.computeIfAbsent(name, n -> new PolicyMeters(registry, n));
    }

    /** The meters and in-flight gauge of a concurrency policy; gates with the same policy name share them. */
    public PermitMetrics permits(String name) {
        return permitPolicies.computeIfAbsent(name, n -> new PermitMeters(registry, n));
    }

    /** Publishes a Redis client's breaker state, pool and pipelining gauges and a health check (a PING). */
    public void watchRedis(String host, int port, int database, StoreCircuitBreaker breaker,
                           LazyRedisClient pool, ScriptCalls scripts, Supplier<StoreHealth> probe) {
        gauge(MetricNames.redis(host, port, database, MetricNames.BREAKER_STATE), breaker::state);
        gauge(MetricNames.redis(host, port, database, MetricNames.POOL_ACTIVE), pool::getNumActive);
        gauge(MetricNames.redis(host, port, database, MetricNames.POOL_IDLE), pool::getNumIdle);
        gauge(MetricNames.redis(host, port, database, MetricNames.POOL_WAITERS), pool::getNumWaiters);
        gauge(MetricNames.redis(host, port, database, MetricNames.PIPELINED_CALLS), scripts::pipelinedCalls);
        gauge(MetricNames.redis(host, port, database, MetricNames.PIPELINE_WAITERS), scripts::queued);
        healthChecks.register(MetricNames.redis(host, port, database, "health"), new HealthCheck() {
            @Override
            protected Result check() {
                StoreHealth health = probe.get();
                String message = health + "";
                return health.up() ? Result.healthy(message) : Result.unhealthy(message);
            }
        });
    }

    public void unwatchRedis(String host, int port, int database) {
        String prefix = MetricNames.redis(host, port, database, "") + ".";
        registry.removeMatching(MetricFilter.startsWith(prefix));
        healthChecks.unregister(MetricNames.redis(host, port, database, "health"));
    }

    private <T> void gauge(String name, Gauge<T> gauge) {
        registry.remove(name);
        registry.register(name, gauge);
    }

    @Override
    public void close() {
        if (reporter != null) {
            reporter.stop();
        }
        registry.removeMatching(OURS);
        for (String name : healthChecks.getNames()) {
            healthChecks.unregister(name);
        }
        policies.clear();
        permitPolicies.clear();
    }
}
