package dev.ratelimit.core.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.StoreCircuitBreaker;

/**
 * The pooled Redis clients of one web application: one per distinct {@link RedisSettings}, shared by
 * every filter that uses them, closed when the last store using one is closed. An adapter keeps one
 * instance per application (e.g. in a ServletContext attribute).
 */
public final class RedisClients implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisClients.class);

    /** Told when a client (pool) opens and closes, e.g. to publish its gauges. */
    public interface Listener {
        void opened(RedisSettings settings, LazyRedisClient connection, StoreCircuitBreaker breaker, ScriptCalls scripts);

        void closed(RedisSettings settings);
    }

    private final Map<RedisSettings, Shared> clients = new HashMap<>();
    private final Listener listener;

    public RedisClients() {
        this(null);
    }

    public RedisClients(Listener listener) {
        this.listener = listener;
    }

    /**
     * A store on the shared client for these settings, creating the client on first use.
     *
     * @throws dev.ratelimit.core.ConfigurationException when Redis answers but refuses the settings
     *                                                   (credentials, ACL, TLS certificate, Sentinel master)
     */
    public synchronized RedisStore open(RedisSettings settings) {
        Shared shared = clients.get(settings);
        if (shared == null) {
            shared = new Shared(settings, LazyRedisClient.open(settings), new StoreCircuitBreaker(settings.toString(),
                    settings.breakerFailures(), settings.breakerOpenMillis(), settings.breakerProbes()));
            clients.put(settings, shared);
            if (listener != null) {
                listener.opened(settings, shared.client, shared.breaker, shared.scripts);
            }
        }
        shared.leases++;
        AtomicBoolean released = new AtomicBoolean();
        LazyRedisClient connection = shared.client;
        ClusterBreakers breakers = shared.clusterBreakers;
        return new RedisStore(connection::client, shared.scripts, settings.toString(), shared.breaker, breakers::forKey, () -> {
            if (released.compareAndSet(false, true)) {
                release(settings);
            }
        });
    }

    /**
     * The live overrides under {@code keyPrefix} on the shared client for these settings (a lease on it, like
     * {@link #open}); closing the store gives the lease back.
     */
    public synchronized RedisOverrideStore overrides(RedisSettings settings, String keyPrefix) {
        RedisStore lease = open(settings);
        return new RedisOverrideStore(clients.get(settings).client, keyPrefix, lease::close);
    }

    /** How many distinct clients (pools) are open. */
    public synchronized int openClients() {
        return clients.size();
    }

    private synchronized void release(RedisSettings settings) {
        Shared shared = clients.get(settings);
        if (shared != null && --shared.leases == 0) {
            clients.remove(settings);
            closeQuietly(settings, shared.client);
        }
    }

    /** One line per client: URL and breaker state (on a Cluster the worst node's, then each node's). */
    public synchronized List<String> describeBreakers() {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<RedisSettings, Shared> e : clients.entrySet()) {
            StoreCircuitBreaker breaker = e.getValue().breaker;
            Map<String, String> nodes = breaker.nodeStates();
            lines.add(e.getKey() + " " + breaker.state() + (nodes.isEmpty() ? "" : " " + nodes));
        }
        return lines;
    }

    /** One PING per client. */
    public List<String> probeAll() {
        Map<RedisSettings, Shared> snapshot;
        synchronized (this) {
            snapshot = new HashMap<>(clients);
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<RedisSettings, Shared> e : snapshot.entrySet()) {
            lines.add(RedisStore.probe(e.getValue().client::client, e.getValue().breaker, e.getKey().toString()).toString());
        }
        return lines;
    }

    /** Forces every breaker open (true) or closed (false), for maintenance. */
    public synchronized void forceBreakers(boolean open) {
        for (Shared shared : clients.values()) {
            if (open) {
                shared.breaker.forceOpen();
            } else {
                shared.breaker.forceClose();
            }
        }
    }

    /** Closes every client, whatever leases remain (the application is going away). */
    @Override
    public synchronized void close() {
        for (Map.Entry<RedisSettings, Shared> e : clients.entrySet()) {
            closeQuietly(e.getKey(), e.getValue().client);
        }
        clients.clear();
    }

    private void closeQuietly(RedisSettings settings, LazyRedisClient client) {
        if (listener != null) {
            listener.closed(settings);
        }
        try {
            client.close();
            LOG.debug("Closed Redis client {}", settings);
        } catch (RuntimeException e) {
            LOG.warn("Closing Redis client {} failed: {}", settings, e.toString());
        }
    }

    private static final class Shared {
        final LazyRedisClient client;
        final StoreCircuitBreaker breaker;
        final ScriptCalls scripts;
        final ClusterBreakers clusterBreakers;
        int leases;

        Shared(RedisSettings settings, LazyRedisClient client, StoreCircuitBreaker breaker) {
            this.client = client;
            this.breaker = breaker;
            this.clusterBreakers = new ClusterBreakers(client, breaker);
            // Waiting for the batch on the wire replaces waiting for a pooled connection: same bound. With
            // pool-max-wait 0 (never wait) calls are not pipelined.
            this.scripts = new ScriptCalls(client::client, client::discardIdleConnections,
                    settings.poolMaxWaitMillis(), 2 * (settings.connectTimeoutMillis() + settings.timeoutMillis()),
                    settings.pipelining() && settings.poolMaxWaitMillis() > 0,
                    settings.poolMaxTotal());
        }
    }
}
