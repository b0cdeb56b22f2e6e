package dev.ratelimit.core.app;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.management.PolicyFileStatus;
import dev.ratelimit.core.metrics.MetricNames;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.webhook.WebhookParams;

/**
 * The policy file of one application and the policies built from it. At startup the file is read once
 * and a bad file fails the deployment; each limiter then reads its parameters through
 * {@link #layered} (the file's {@code <policy>.<param>} over web.xml) and {@link #register registers}
 * how to rebuild its policy. When the {@link PolicyFileWatcher} sees a new version, every affected policy is
 * built first; only when all build does one step apply them all, under a new generation number. A bad
 * version keeps the last good one whole, with one WARN naming the file, line, entry and value.
 *
 * <p>Requests capture {@link #generation()} when they begin; limiters keep the policy of the previous
 * generation for them ({@link dev.ratelimit.core.RateLimiter#policy(long)}), so one request sees one file.
 */
public final class LivePolicies implements PolicyFileStatus, AutoCloseable {

    /**
     * Parameters the file may set at startup but not change while the application runs: the Redis client
     * and the webhook verification are built once with them; {@code key-prefix}, {@code counter} and
     * {@code scope} decide where every counter lives and which policies may share keys (checked at startup);
     * {@code scope} also decides whether webhooks are verified; {@code prefetch} decides whether the limiter
     * keeps leases of reserved permits, and how their scripts keep the counters. {@code algorithm} may change among the rate
     * algorithms, but not to or from {@code concurrency}, which counts permits in another store.
     */
    public static final Set<String> FIXED;

    static {
        Set<String> fixed = new LinkedHashSet<>(Arrays.asList(PolicyParams.KEY_PREFIX, PolicyParams.COUNTER, PolicyParams.SCOPE,
                PolicyParams.PREFETCH));
        fixed.addAll(RedisParams.NAMES);
        fixed.addAll(WebhookParams.NAMES);
        FIXED = Collections.unmodifiableSet(fixed);
    }

    private static final Logger LOG = LoggerFactory.getLogger(LivePolicies.class);

    /** Builds a policy from parameters (the adapter's reading of its own, e.g. PolicyParams with its defaults). */
    public interface Reader {
        Policy read(ConfigParams params);
    }

    /** Puts a rebuilt policy in force, e.g. {@code RateLimiter::reconfigure}. */
    public interface Applier {
        void apply(Policy policy, long generation);
    }

    private final Path path;
    private final String fileName;
    private final Set<String> declared;
    private final List<Target> targets = new ArrayList<>();
    private final Counter failures;
    private PolicyFile current;
    private volatile long generation;
    private volatile Instant appliedAt;
    private volatile String lastError;
    private volatile boolean lastLoadOk = true;
    private PolicyFileWatcher watcher;

    private LivePolicies(Path path, PolicyFile first, Set<String> declared, Counter failures) {
        this.path = path;
        this.fileName = path == null ? "" : path.toString();
        this.current = first;
        this.declared = declared;
        this.failures = failures;
        this.generation = 1;
        this.appliedAt = Instant.now();
    }

    /** Without a policy file: web.xml alone. */
    public static LivePolicies none() {
        return new LivePolicies(null, PolicyFile.empty(""), null, new Counter());
    }

    /**
     * Reads the file (a bad one fails the deployment) and starts watching it.
     *
     * @param declared the policies the application declares (filters' policy names, JAX-RS named policies);
     *                 an entry for another is refused
     * @param registry where {@code ratelimit.config.reload-failures} and {@code ratelimit.config.reload-ok} go
     * @throws ConfigurationException naming the file (and line, entry and value when one is bad)
     */
    public static LivePolicies watch(Path path, Set<String> declared, MetricRegistry registry, String threadName) {
        PolicyFile first = read(path, declared);
        LivePolicies live = new LivePolicies(path, first, declared, registry.counter(MetricNames.config(MetricNames.RELOAD_FAILURES)));
        registry.remove(MetricNames.config(MetricNames.RELOAD_OK));
        registry.register(MetricNames.config(MetricNames.RELOAD_OK), (Gauge<Integer>) () -> live.lastLoadOk ? 1 : 0);
        live.watcher = PolicyFileWatcher.start(path, first.hash(), live, threadName);
        LOG.info("Policy file {} read: version 1 sha256:{} ({} policies)", path, first.hash(), first.policies().size());
        return live;
    }

    /**
     * The file as it is now, checked like at startup (e.g. by a container initializer, before any filter starts).
     *
     * @param declared the policies the application declares, or null not to check the names
     * @throws ConfigurationException naming the file (and line, entry and value when one is bad)
     */
    public static PolicyFile read(Path path, Set<String> declared) {
        byte[] content = PolicyFileWatcher.read(path);
        if (content == null) {
            throw ConfigurationException.withMessage("ratelimit.config-file", "Policy file " + path
                    + " cannot be read (missing, or not a readable file)");
        }
        PolicyFile file = PolicyFile.parse(path.toString(), content);
        file.checkPolicies(declared);
        return file;
    }

    /** The number of the file version in force; requests capture it when they begin. */
    public long generation() {
        return generation;
    }

    /** The policy's parameters: the file's {@code <policyName>.<param>} first, then {@code base} (web.xml). */
    public synchronized ConfigParams layered(String policyName, ConfigParams base) {
        return layer(current, policyName, base);
    }

    private static ConfigParams layer(PolicyFile file, String policyName, ConfigParams base) {
        return file.over(policyName, base);
    }

    /**
     * The same error, naming the file's line, entry and value when the parameter at fault was set there
     * (unchanged otherwise).
     */
    public synchronized ConfigurationException located(String policyName, ConfigurationException e) {
        return locate(current, policyName, e);
    }

    private static ConfigurationException locate(PolicyFile file, String policyName, ConfigurationException e) {
        return file.located(policyName, e);
    }

    /**
     * Rebuilds {@code owner}'s policy (a limiter's or a gate's) with {@code reader} whenever the file changes it, and hands it to {@code applier}.
     *
     * @param readAt the {@link #generation()} the adapter read its parameters at: if the file changed since,
     *               the policy is rebuilt at once
     */
    public synchronized void register(Object owner, String policyName, ConfigParams base, Reader reader, Policy built,
                                      long readAt, Applier applier) {
        if (path == null) {
            return;
        }
        Target target = new Target(owner, policyName, base, reader, applier, built);
        targets.add(target);
        if (readAt != generation) {
            try {
                Policy now = reader.read(layer(current, policyName, base));
                applier.apply(now, generation);
                target.configured = now;
            } catch (ConfigurationException e) {
                LOG.warn("{}; policy {} keeps what it was built with", locate(current, policyName, e).getMessage(), policyName);
            }
        }
    }

    /** Forgets the targets of a limiter going away (its filter was destroyed). */
    public synchronized void unregister(Object owner) {
        targets.removeIf(t -> t.owner == owner);
    }

    /** A new version of the file: applied whole, or not at all. Called by the watcher. */
    synchronized void load(byte[] content) {
        PolicyFile next;
        Map<Target, Policy> rebuilt = new LinkedHashMap<>();
        try {
            next = PolicyFile.parse(fileName, content);
            next.checkPolicies(declared);
            for (Target target : targets) {
                Map<String, String> before = current.values(target.name);
                Map<String, String> after = next.values(target.name);
                if (before.equals(after)) {
                    continue;
                }
                checkFixed(next, target.name, before, after);
                Policy policy;
                try {
                    policy = target.reader.read(layer(next, target.name, target.base));
                } catch (ConfigurationException e) {
                    throw locate(next, target.name, e);
                }
                boolean wasConcurrency = target.configured.algorithm() == Algorithm.CONCURRENCY;
                if (wasConcurrency != (policy.algorithm() == Algorithm.CONCURRENCY)) {
                    PolicyFile.Entry entry = next.entries(target.name).get(PolicyParams.ALGORITHM);
                    throw ConfigurationException.withMessage(PolicyParams.ALGORITHM, (entry != null
                            ? entry.where(fileName) : "Policy file " + fileName + " policy " + target.name)
                            + ": algorithm 'concurrency' cannot be switched to or from while the application runs"
                            + " (it counts permits in another store); redeploy to change it");
                }
                if (wasConcurrency && policy.algorithm() == Algorithm.CONCURRENCY
                        && policy.limits().get(0).windowMillis() != target.configured.limits().get(0).windowMillis()) {
                    // The lease is part of the permit key: a new one would start an empty permit set beside the
                    // old, letting up to 2N run until the old requests end.
                    PolicyFile.Entry entry = next.entries(target.name).get(PolicyParams.LIMITS);
                    throw ConfigurationException.withMessage(PolicyParams.LIMITS, (entry != null
                            ? entry.where(fileName) : "Policy file " + fileName + " policy " + target.name)
                            + ": a concurrency policy's lease cannot change while the application runs (its permits"
                            + " are kept per lease); change N only, or redeploy");
                }
                rebuilt.put(target, policy);
            }
        } catch (ConfigurationException e) {
            failed(e.getMessage());
            return;
        }
        boolean changed = !next.hash().equals(current.hash());
        long nextGeneration = changed ? generation + 1 : generation;
        for (Map.Entry<Target, Policy> entry : rebuilt.entrySet()) {
            entry.getKey().applier.apply(entry.getValue(), nextGeneration);
            entry.getKey().configured = entry.getValue();
        }
        current = next;
        lastLoadOk = true;
        lastError = null;
        if (changed) {
            appliedAt = Instant.now();
            generation = nextGeneration; // published last: a request that sees it finds every policy rebuilt
            LOG.info("Policy file {} applied: version {} sha256:{} ({} limiter(s) changed)", fileName, nextGeneration,
                    next.hash(), rebuilt.size());
        }
    }

    private void checkFixed(PolicyFile next, String policyName, Map<String, String> before, Map<String, String> after) {
        Set<String> params = new LinkedHashSet<>(before.keySet());
        params.addAll(after.keySet());
        for (String param : params) {
            if (FIXED.contains(param) && !Objects.equals(before.get(param), after.get(param))) {
                PolicyFile.Entry entry = next.entries(policyName).get(param);
                PolicyFile.Entry old = current.entries(policyName).get(param);
                String where = entry != null ? entry.where(fileName)
                        : "Policy file " + fileName + " (removed) '" + old.text + "'";
                throw ConfigurationException.withMessage(param, where + ": '" + param + "' is read at startup only"
                        + " (Redis client, webhook verification, prefetch leases and the keys' prefix, counter and scope are built once);"
                        + " redeploy to change it");
            }
        }
    }

    /** The file is gone: the last good configuration stays. Called by the watcher. */
    synchronized void missing() {
        failed("Policy file " + fileName + " is missing or unreadable (deleted, renamed or not readable)");
    }

    private void failed(String message) {
        failures.inc();
        lastLoadOk = false;
        lastError = Instant.now() + " " + message;
        LOG.warn("{}; keeping the last good configuration, version {} sha256:{}", message, generation, current.hash());
    }

    /** For the control MBean: {@code version 3 sha256:… applied <time> from <file>}, or {@code none}. */
    @Override
    public synchronized String version() {
        if (path == null) {
            return PolicyFileStatus.NONE.version();
        }
        return "version " + generation + " sha256:" + current.hash() + " applied " + appliedAt + " from " + fileName
                + (lastLoadOk ? "" : " (the file now on disk is not applied: see the last error)");
    }

    /** The last failure to load, with its time, or {@code none} once a version loads again. */
    @Override
    public String lastError() {
        String error = lastError;
        return error == null ? "none" : error;
    }

    /** Whether the last load succeeded (metric {@code ratelimit.config.reload-ok}). */
    public boolean lastLoadOk() {
        return lastLoadOk;
    }

    /** Stops watching and waits for the watcher thread to end. */
    @Override
    public void close() {
        PolicyFileWatcher w;
        synchronized (this) {
            w = watcher;
            watcher = null;
            targets.clear();
        }
        if (w != null) {
            w.close();
        }
    }

    /** Whether the watcher thread is running (tests: none after the last release). */
    synchronized boolean watching() {
        return watcher != null && watcher.isAlive();
    }

    private static final class Target {
        final Object owner;
        final String name;
        final ConfigParams base;
        final Reader reader;
        final Applier applier;
        Policy configured;

        Target(Object owner, String name, ConfigParams base, Reader reader, Applier applier, Policy configured) {
            this.owner = owner;
            this.name = name;
            this.base = base;
            this.reader = reader;
            this.applier = applier;
            this.configured = configured;
        }
    }
}
