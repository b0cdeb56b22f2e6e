package dev.ratelimit.core.app;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;

import dev.ratelimit.core.AuditLog;
import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.ConcurrencyLimiter;
import dev.ratelimit.core.LeaseRenewer;
import dev.ratelimit.core.PermitMetrics;
import dev.ratelimit.core.PermitStore;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PrefetchSweeper;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.StoreCircuitBreaker;
import dev.ratelimit.core.live.LiveOverrides;
import dev.ratelimit.core.live.LocalOverrideStore;
import dev.ratelimit.core.live.OverrideStore;
import dev.ratelimit.core.management.RateLimitControl;
import dev.ratelimit.core.memory.InMemoryPermitStore;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.metrics.JmxNames;
import dev.ratelimit.core.metrics.RateLimitMetrics;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.LazyRedisClient;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.redis.RedisStore;
import dev.ratelimit.core.redis.ScriptCalls;
import dev.ratelimit.core.webhook.WebhookGate;
import dev.ratelimit.core.webhook.WebhookSettings;

/**
 * The rate limiting of one web application: what all its limiters share, and the factories that build
 * them. It holds the Redis clients (one pool per distinct set of Redis settings), the in-memory stores
 * (one per policy and one per policy's webhook replay memory, so that a flood on one cannot evict the
 * counters of another), the metrics (and their JMX reporter), the audit log and the control MBean.
 * Both adapters build their limiters and webhook gates here, so the choice of store is made in one place.
 * Adapters keep one instance per application under {@link #ATTRIBUTE} (a ServletContext attribute),
 * {@link #lease(ApplicationAttributes, Settings) lease} it when a filter starts and
 * {@link #release(ApplicationAttributes, ApplicationRuntime) release} it when the filter stops; the last
 * release closes everything and unregisters every MBean, so a redeploy leaves nothing behind.
 */
public final class ApplicationRuntime {

    /** The application attribute under which adapters keep the instance. */
    public static final String ATTRIBUTE = ApplicationRuntime.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(ApplicationRuntime.class);

    /** How long giving back a limiter's reserved permits may take at undeploy ({@code prefetch}). */
    static final long RETURN_BUDGET_MILLIS = 2_000;

    private final RateLimitMetrics metrics;
    private final RedisClients redis;
    private final Map<String, InMemoryStore> memories = new HashMap<>();
    private final Map<String, InMemoryStore> replayMemories = new HashMap<>();
    /** The Redis store each limiter counts on, opened for it and closed when it is forgotten. */
    private final Map<RateLimiter, RateLimitStore> redisStores = new HashMap<>();
    /** Each concurrency policy's in-memory permits (without Redis, or while Redis is away) with their renewer. */
    private final Map<String, LeaseRenewer> permitMemories = new HashMap<>();
    private final Map<String, PermitStore> permitMemoryStores = new HashMap<>();
    /** The Redis store and lease renewer each concurrency gate holds, closed when it is forgotten. */
    private final Map<ConcurrencyGate, RedisStore> gateStores = new HashMap<>();
    private final Map<ConcurrencyGate, LeaseRenewer> gateRenewers = new HashMap<>();
    /** The live overrides per Redis (null: memory) and key prefix, and which of them each limiter follows. */
    private final Map<List<Object>, LiveOverrides> liveOverrides = new HashMap<>();
    private final Map<RateLimiter, LiveOverrides> limiterOverrides = new HashMap<>();
    /** The limiters with {@code prefetch}, whose reserved permits the sweeper gives back and the last release returns. */
    private final List<RateLimiter> prefetching = new ArrayList<>();
    private final PrefetchSweeper sweeper = new PrefetchSweeper();
    private final String origin;
    private final AuditLog audit;
    private final LivePolicies policies;
    private final RateLimitControl control;
    private final ObjectName controlName;
    private int leases;
    private boolean warnedPerInstance;

    /** Without JMX, with a private registry: for tests and runtimes without a Servlet context. */
    public ApplicationRuntime() {
        this(new Settings());
    }

    ApplicationRuntime(Settings settings) {
        metrics = new RateLimitMetrics(settings.registry, settings.application, settings.domain, settings.jmx);
        try {
            policies = settings.configFile == null ? LivePolicies.none()
                    : LivePolicies.watch(settings.configFile, settings.declaredPolicies, metrics.registry(),
                            "ratelimit-policy-file-" + settings.application);
        } catch (RuntimeException e) {
            metrics.close(); // a bad policy file fails the deployment: nothing may stay registered
            throw e;
        }
        redis = new RedisClients(new RedisClients.Listener() {
            @Override
            public void opened(RedisSettings s, LazyRedisClient connection, StoreCircuitBreaker breaker,
                               ScriptCalls scripts) {
                metrics.watchRedis(s.host(), s.port(), s.database(), breaker, connection, scripts,
                        () -> RedisStore.probe(connection::client, breaker, s.toString()));
            }

            @Override
            public void closed(RedisSettings s) {
                metrics.unwatchRedis(s.host(), s.port(), s.database());
            }
        });
        audit = new AuditLog(settings.auditMaxPerSecond);
        origin = ManagementFactory.getRuntimeMXBean().getName() + "/" + settings.application;
        control = new RateLimitControl(redis);
        control.policyFile(policies);
        controlName = settings.jmx ? register(control, new JmxNames(settings.application).name(settings.domain, "Control", "control")) : null;
    }

    private static ObjectName register(Object mbean, ObjectName name) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            if (server.isRegistered(name)) {
                LOG.warn("Replacing the MBean {} left by an earlier deployment", name);
                server.unregisterMBean(name);
            }
            server.registerMBean(mbean, name);
            return name;
        } catch (JMException e) {
            LOG.warn("Could not register the rate-limit control MBean {}: {}", name, e.toString());
            return null;
        }
    }

    /** Attribute under which Dropwizard's MetricsServlet (and AdminServlet) looks for a registry. */
    public static final String METRICS_SERVLET_REGISTRY = "com.codahale.metrics.servlets.MetricsServlet.registry";
    /** Attribute under which Dropwizard's HealthCheckServlet (and AdminServlet) looks for health checks. */
    public static final String HEALTH_SERVLET_REGISTRY = "com.codahale.metrics.servlets.HealthCheckServlet.registry";

    /** The same for {@code metrics-jakarta-servlets}, whose servlets live in another package. */
    public static final String JAKARTA_METRICS_SERVLET_REGISTRY = "io.dropwizard.metrics.servlets.MetricsServlet.registry";
    public static final String JAKARTA_HEALTH_SERVLET_REGISTRY = "io.dropwizard.metrics.servlets.HealthCheckServlet.registry";

    /**
     * The application's instance, created by the first lease (with these settings) and stored under
     * {@link #ATTRIBUTE}. The first lease also offers the metric and health-check registries under the
     * names Dropwizard's AdminServlet reads, unless the application has put its own there.
     */
    public static ApplicationRuntime lease(ApplicationAttributes attributes, Settings settings) {
        synchronized (attributes.lock()) {
            ApplicationRuntime runtime = (ApplicationRuntime) attributes.get(ATTRIBUTE);
            if (runtime == null) {
                runtime = new ApplicationRuntime(settings);
                attributes.set(ATTRIBUTE, runtime);
                offer(attributes, METRICS_SERVLET_REGISTRY, runtime.metrics.registry());
                offer(attributes, HEALTH_SERVLET_REGISTRY, runtime.metrics.healthChecks());
                offer(attributes, JAKARTA_METRICS_SERVLET_REGISTRY, runtime.metrics.registry());
                offer(attributes, JAKARTA_HEALTH_SERVLET_REGISTRY, runtime.metrics.healthChecks());
            }
            return runtime.lease();
        }
    }

    /** Gives a lease back; the last one closes everything and removes what {@link #lease(ApplicationAttributes, Settings)} stored. */
    public static void release(ApplicationAttributes attributes, ApplicationRuntime runtime) {
        synchronized (attributes.lock()) {
            if (runtime.release()) {
                attributes.remove(ATTRIBUTE);
                withdraw(attributes, METRICS_SERVLET_REGISTRY, runtime.metrics.registry());
                withdraw(attributes, HEALTH_SERVLET_REGISTRY, runtime.metrics.healthChecks());
                withdraw(attributes, JAKARTA_METRICS_SERVLET_REGISTRY, runtime.metrics.registry());
                withdraw(attributes, JAKARTA_HEALTH_SERVLET_REGISTRY, runtime.metrics.healthChecks());
            }
        }
    }

    private static void offer(ApplicationAttributes attributes, String name, Object registry) {
        if (attributes.get(name) == null) {
            attributes.set(name, registry);
        }
    }

    private static void withdraw(ApplicationAttributes attributes, String name, Object registry) {
        if (attributes.get(name) == registry) {
            attributes.remove(name);
        }
    }

    private synchronized ApplicationRuntime lease() {
        leases++;
        return this;
    }

    /**
     * Gives a lease back; public for a runtime made with {@link #ApplicationRuntime()}, outside any
     * application's attributes.
     *
     * @return true when this was the last lease and everything is now closed
     */
    public synchronized boolean release() {
        if (--leases > 0) {
            return false;
        }
        if (controlName != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(controlName);
            } catch (JMException e) {
                LOG.debug("Control MBean {} was already gone", controlName);
            }
        }
        policies.close();
        for (LiveOverrides live : liveOverrides.values()) {
            live.close();
        }
        liveOverrides.clear();
        limiterOverrides.clear();
        sweeper.close();
        for (RateLimiter limiter : prefetching) {
            limiter.prefetchLeases().returnAll(RETURN_BUDGET_MILLIS);
        }
        prefetching.clear();
        closeAll(redisStores.values());
        redisStores.clear();
        for (LeaseRenewer renewer : gateRenewers.values()) {
            renewer.close();
        }
        gateRenewers.clear();
        closeAll(gateStores.values());
        gateStores.clear();
        for (LeaseRenewer renewer : permitMemories.values()) {
            renewer.close();
        }
        permitMemories.clear();
        permitMemoryStores.clear();
        redis.close();
        closeAll(memories.values());
        memories.clear();
        closeAll(replayMemories.values());
        replayMemories.clear();
        metrics.close();
        return true;
    }

    /**
     * A limiter for the policy, with this application's metrics, audit log and control: on the shared
     * Redis client for {@code redisSettings}, or, without them, on the policy's own in-memory store
     * (logging once per application that limits then hold per instance). Its {@code local} fallback is
     * the policy's in-memory store. {@link #forget(RateLimiter)} gives back what it holds.
     *
     * @param redisSettings the policy's Redis settings, or null to count in memory
     * @throws dev.ratelimit.core.ConfigurationException when Redis answered and refused us (credentials,
     *         ACL, certificate, master name)
     */
    public RateLimiter limiter(Policy policy, RedisSettings redisSettings) {
        RateLimitStore store;
        if (redisSettings == null) {
            warnPerInstanceOnce(policy.name());
            store = memory(policy.name());
        } else {
            store = redis.open(redisSettings);
        }
        RateLimiter limiter = new RateLimiter(policy, store, memory(policy.name()), metrics.policy(policy.name()), audit);
        LiveOverrides live;
        synchronized (this) {
            if (redisSettings != null) {
                redisStores.put(limiter, store);
            }
            live = liveOverrides(redisSettings, policy.keyPrefix());
            limiterOverrides.put(limiter, live);
            if (limiter.prefetchLeases() != null) {
                prefetching.add(limiter);
                sweeper.register(limiter.prefetchLeases());
            }
        }
        live.register(limiter);
        control.register(limiter, live);
        return limiter;
    }

    /**
     * The gate of a policy with algorithm {@code concurrency}: its permits in Redis ({@link RedisStore#permits()}
     * on a store opened for it) or, without Redis settings, in the policy's in-memory permit store, which is
     * also its {@code local} fallback. Each permit store has one {@link LeaseRenewer}, closed with the gate
     * ({@link #forget(ConcurrencyGate)}) or, for the in-memory ones, with the last lease.
     */
    public ConcurrencyGate concurrency(Policy policy, RedisSettings redisSettings) {
        long limit = policy.limits().get(0).permits();
        long lease = policy.limits().get(0).windowMillis();
        PermitMetrics meters = metrics.permits(policy.name());
        ConcurrencyLimiter local = new ConcurrencyLimiter(permitMemory(policy.name()), permitMemoryRenewer(policy.name()),
                limit, lease, meters);
        if (redisSettings == null) {
            warnPerInstanceOnce(policy.name());
            ConcurrencyGate gate = new ConcurrencyGate(policy, local, local, "memory", meters, audit);
            control.register(gate);
            return gate;
        }
        RedisStore store = redis.open(redisSettings);
        PermitStore permits = store.permits();
        LeaseRenewer renewer = new LeaseRenewer(permits);
        ConcurrencyGate gate = new ConcurrencyGate(policy, new ConcurrencyLimiter(permits, renewer, limit, lease, meters),
                local, store.describe(), meters, audit);
        synchronized (this) {
            gateStores.put(gate, store);
            gateRenewers.put(gate, renewer);
        }
        control.register(gate);
        return gate;
    }

    /**
     * Stops listing the gate in the control MBean, stops renewing its Redis permits and closes its Redis
     * store (its filter is going away).
     */
    public void forget(ConcurrencyGate gate) {
        policies.unregister(gate);
        control.unregister(gate);
        LeaseRenewer renewer;
        RedisStore store;
        synchronized (this) {
            renewer = gateRenewers.remove(gate);
            store = gateStores.remove(gate);
        }
        if (renewer != null) {
            renewer.close();
        }
        if (store != null) {
            store.close();
        }
    }

    synchronized PermitStore permitMemory(String policyName) {
        PermitStore store = permitMemoryStores.get(policyName);
        if (store == null) {
            store = new InMemoryPermitStore();
            permitMemoryStores.put(policyName, store);
            permitMemories.put(policyName, new LeaseRenewer(store));
        }
        return store;
    }

    private synchronized LeaseRenewer permitMemoryRenewer(String policyName) {
        permitMemory(policyName);
        return permitMemories.get(policyName);
    }

    /** Whether the prefetch sweeper's thread runs (tests: not after the last release). */
    boolean prefetchSweeping() {
        return sweeper.running();
    }

    /** How many lease renewers this runtime holds open (tests: none after the last release). */
    synchronized int leaseRenewers() {
        return permitMemories.size() + gateRenewers.size();
    }

    /**
     * Verification for the webhook policy of {@code limiter}: replays and bad signatures in the limiter's
     * Redis when it counts there, else each in an in-memory store of its own (the policy's replay memory,
     * and the bad-signature limit's store), which are also the fallbacks for failure mode {@code local}.
     */
    public WebhookGate webhookGate(WebhookSettings settings, RateLimiter limiter) {
        Policy policy = limiter.policy();
        RateLimitStore redisStore;
        InMemoryStore replays;
        InMemoryStore badSignatures;
        synchronized (this) {
            redisStore = redisStores.get(limiter);
            replays = replayMemory(policy.name());
            badSignatures = memory(policy.name() + WebhookGate.BAD_SIGNATURE_SCOPE_SUFFIX);
        }
        return new WebhookGate(settings, policy, redisStore != null ? redisStore : replays, replays,
                redisStore != null ? redisStore : badSignatures, badSignatures, audit, metrics);
    }

    /** Stops listing the limiter in the control MBean and closes its Redis store (its filter is going away). */
    public void forget(RateLimiter limiter) {
        policies.unregister(limiter);
        control.unregister(limiter);
        RateLimitStore store;
        LiveOverrides live;
        boolean prefetched;
        synchronized (this) {
            store = redisStores.remove(limiter);
            live = limiterOverrides.remove(limiter);
            prefetched = prefetching.remove(limiter);
        }
        if (live != null) {
            live.unregister(limiter);
        }
        if (prefetched) {
            sweeper.unregister(limiter.prefetchLeases());
            limiter.prefetchLeases().returnAll(RETURN_BUDGET_MILLIS);
        }
        if (store != null) {
            store.close();
        }
    }

    /**
     * The application's policy file ({@code ratelimit.config-file}) and the policies built from it; without
     * a file, one that layers nothing and never changes.
     */
    public LivePolicies policies() {
        return policies;
    }

    /**
     * The live overrides kept in this Redis under this key prefix (or, without Redis, in this instance's memory),
     * created on first use and closed with the last lease: each has its own subscription and version check.
     */
    private synchronized LiveOverrides liveOverrides(RedisSettings redisSettings, String keyPrefix) {
        List<Object> key = Arrays.<Object>asList(redisSettings, keyPrefix);
        LiveOverrides live = liveOverrides.get(key);
        if (live == null) {
            OverrideStore store = redisSettings == null ? new LocalOverrideStore() : redis.overrides(redisSettings, keyPrefix);
            live = new LiveOverrides(store, audit, origin);
            liveOverrides.put(key, live);
        }
        return live;
    }

    /** Every live-override set of the application (tests). */
    synchronized List<LiveOverrides> liveOverrides() {
        return new ArrayList<>(liveOverrides.values());
    }

    public RedisClients redis() {
        return redis;
    }

    /**
     * The policy's own in-memory store (counting without Redis, or while Redis is away), with its own
     * bound of {@value InMemoryStore#DEFAULT_MAX_ENTRIES} keys; created on first use, closed with the last lease.
     */
    synchronized InMemoryStore memory(String policyName) {
        return storeFor(memories, policyName);
    }

    /** Where the policy's webhook deliveries are remembered for replay protection without Redis: apart from its counters. */
    synchronized InMemoryStore replayMemory(String policyName) {
        return storeFor(replayMemories, policyName);
    }

    private static InMemoryStore storeFor(Map<String, InMemoryStore> stores, String policyName) {
        InMemoryStore store = stores.get(policyName);
        if (store == null) {
            store = new InMemoryStore();
            stores.put(policyName, store);
        }
        return store;
    }

    private static void closeAll(Iterable<? extends RateLimitStore> stores) {
        for (RateLimitStore store : stores) {
            store.close();
        }
    }

    public RateLimitMetrics metrics() {
        return metrics;
    }

    /** The application's control (the MBean's object, also without JMX): its limiters, overrides and operations. */
    public RateLimitControl control() {
        return control;
    }

    public AuditLog audit() {
        return audit;
    }

    /** One WARN per application when some limiter counts in memory only. */
    private synchronized void warnPerInstanceOnce(String limiterName) {
        if (!warnedPerInstance) {
            warnedPerInstance = true;
            LOG.warn("Rate limiter '{}' has no Redis URL (redis-url, context-param ratelimit.redis-url,"
                    + " system property ratelimit.redis-url or env REDIS_URL): counting in memory, so limits hold"
                    + " per instance, not across the cluster", limiterName);
        }
    }

    /** Application-wide settings, read once by the first filter of the application. */
    public static final class Settings {
        String application = "default";
        String domain = RateLimitMetrics.DEFAULT_DOMAIN;
        boolean jmx;
        MetricRegistry registry;
        int auditMaxPerSecond = AuditLog.DEFAULT_MAX_PER_SECOND;
        Path configFile;
        Set<String> declaredPolicies = Collections.emptySet();

        public Settings application(String application) {
            this.application = application;
            return this;
        }

        public Settings jmx(boolean jmx, String domain) {
            this.jmx = jmx;
            this.domain = domain;
            return this;
        }

        /** The application's own registry, or null for a private one. */
        public Settings registry(MetricRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** The policy file, or null for none. */
        public Settings configFile(Path configFile) {
            this.configFile = configFile;
            return this;
        }

        /** The policies the application declares: the policy file may name these only. */
        public Settings declaredPolicies(Set<String> declaredPolicies) {
            this.declaredPolicies = declaredPolicies;
            return this;
        }

        public Settings auditMaxPerSecond(int auditMaxPerSecond) {
            this.auditMaxPerSecond = auditMaxPerSecond;
            return this;
        }
    }
}
