package dev.ratelimit.core.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.ConfigurationException;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.Pool;

/**
 * The pooled Jedis client for one {@link RedisSettings}, built when Redis first answers: {@link RedisClient},
 * {@link RedisSentinelClient} or {@link RedisClusterClient}, all used as {@link UnifiedJedis}, with the
 * same pool settings per node.
 *
 * <p>{@link #open} checks Redis once: refused credentials, missing permissions, an untrusted certificate
 * or an unknown Sentinel master throw {@link ConfigurationException} (a wrong configuration must stop the
 * application from starting). Redis merely unreachable is logged, and each policy's failure mode applies
 * until it answers; Sentinel and Cluster clients, which cannot be built without reaching a node, are then
 * built on first use.
 *
 * <p>A Cluster client's slot map is re-read every {@link #TOPOLOGY_REFRESH} by a {@link ClusterSlotRefresher}
 * started with it; {@link #close()} stops it and waits for a refresh under way before closing the client.
 */
public final class LazyRedisClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LazyRedisClient.class);

    private final RedisSettings settings;
    private final ReentrantLock building = new ReentrantLock();
    private volatile UnifiedJedis client;
    private volatile boolean closed;
    private volatile ClusterConnectionProvider slots;
    /** Re-reads a Cluster client's slot map; null for other topologies and before the client is built. */
    private volatile ClusterSlotRefresher slotRefresher;

    /** How often a Cluster client re-reads the slot map, besides after MOVED and connection failures. */
    static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(1);

    private LazyRedisClient(RedisSettings settings) {
        this.settings = settings;
    }

    /**
     * @throws ConfigurationException when Redis answers but refuses this configuration
     */
    public static LazyRedisClient open(RedisSettings settings) {
        LazyRedisClient connection = new LazyRedisClient(settings);
        try {
            connection.client = connection.build();
            connection.client.ping();
            LOG.info("Redis {} answered; pool per node max-total={} max-wait={}ms timeout={}ms", settings,
                    settings.poolMaxTotal(), settings.poolMaxWaitMillis(), settings.timeoutMillis());
        } catch (JedisException e) {
            ConfigurationException wrong = RedisFailures.configurationProblem(settings, e);
            if (wrong != null) {
                connection.close();
                throw wrong;
            }
            LOG.warn("Redis {} did not answer at startup ({}); each policy's failure mode applies until it does",
                    settings, RedisFailures.describe(e));
        }
        return connection;
    }

    /**
     * The client; builds it now if Redis could not be reached before.
     *
     * @throws JedisConnectionException while no node answers
     */
    public UnifiedJedis client() {
        UnifiedJedis current = client;
        if (current != null) {
            return current;
        }
        // One thread connects; the others fail fast into their failure mode instead of queueing.
        if (closed || !building.tryLock()) {
            throw new JedisConnectionException("Redis " + settings + " is not connected yet");
        }
        try {
            if (client == null && !closed) {
                client = build();
                LOG.info("Redis {} reachable now", settings);
            }
            return client;
        } finally {
            building.unlock();
        }
    }

    /**
     * The master serving the key's slot ({@code host:port}) as this Cluster client last saw it; null for
     * other topologies, before the client is built, or while the slot has no known master.
     */
    public String nodeOf(String key) {
        ClusterConnectionProvider current = slots;
        if (current == null) {
            return null;
        }
        HostAndPort node = current.getNode(JedisClusterCRC16.getSlot(key));
        return node == null ? null : node.toString();
    }

    /** The masters of a Cluster client ({@code host:port}); empty for other topologies. */
    public Set<String> clusterMasters() {
        ClusterConnectionProvider current = slots;
        return current == null ? Collections.emptySet() : current.getPrimaryNodes().keySet();
    }

    public RedisSettings settings() {
        return settings;
    }

    /** The connection pools in use now: one per node (for Sentinel, the current master's). */
    public List<Pool<Connection>> pools() {
        UnifiedJedis current = client;
        List<Pool<Connection>> pools = new ArrayList<>();
        if (current instanceof RedisClient) {
            pools.add(((RedisClient) current).getPool());
        } else if (current instanceof RedisSentinelClient) {
            pools.addAll(((RedisSentinelClient) current).getPrimaryNodesConnectionMap().values());
        } else if (current instanceof RedisClusterClient) {
            pools.addAll(((RedisClusterClient) current).getClusterNodes().values());
        }
        return pools;
    }

    /** Drops idle pooled connections: after Redis restarted they are all dead. */
    public void discardIdleConnections() {
        for (Pool<Connection> pool : pools()) {
            pool.clear();
        }
    }

    /** Connections in use, summed over {@link #pools()} (named as Commons Pool does, for the gauges). */
    public int getNumActive() {
        int n = 0;
        for (Pool<Connection> pool : pools()) {
            n += pool.getNumActive();
        }
        return n;
    }

    public int getNumIdle() {
        int n = 0;
        for (Pool<Connection> pool : pools()) {
            n += pool.getNumIdle();
        }
        return n;
    }

    public int getNumWaiters() {
        int n = 0;
        for (Pool<Connection> pool : pools()) {
            n += pool.getNumWaiters();
        }
        return n;
    }

    @Override
    public void close() {
        closed = true;
        building.lock();
        try {
            // The refresher first: a refresh still running on a closed client would set up node pools again.
            ClusterSlotRefresher refresher = slotRefresher;
            if (refresher != null) {
                refresher.close();
            }
            if (client != null) {
                client.close();
            }
        } finally {
            building.unlock();
        }
    }

    private UnifiedJedis build() {
        JedisClientConfig nodeConfig = RedisClientConfigs.dataNode(settings);
        ConnectionPoolConfig pool = RedisClientConfigs.pool(settings);
        switch (settings.topology()) {
            // Every topology's data connections end each call's reads at its deadline (ScriptCalls), not only
            // each read: DeadlineSocket, through our own providers for Sentinel and Cluster.
            case SENTINEL:
                return RedisSentinelClient.builder()
                        .masterName(settings.master())
                        .sentinels(hostsAndPorts())
                        .sentinelClientConfig(RedisClientConfigs.sentinel(settings))
                        .clientConfig(nodeConfig)
                        .poolConfig(pool)
                        .connectionProvider(new DeadlineSentinelConnectionProvider(settings.master(), nodeConfig, pool,
                                hostsAndPorts(), RedisClientConfigs.sentinel(settings)))
                        .build();
            case CLUSTER:
                // Our own provider, to ask it which node serves a slot (ClusterBreakers). Its slot map is re-read
                // every TOPOLOGY_REFRESH on our own thread (ClusterSlotRefresher), which close() waits for.
                DeadlineClusterConnectionProvider provider =
                        new DeadlineClusterConnectionProvider(hostsAndPorts(), nodeConfig, pool);
                slots = provider;
                RedisClusterClient cluster = RedisClusterClient.builder()
                        .nodes(hostsAndPorts())
                        .clientConfig(nodeConfig)
                        .poolConfig(pool)
                        .connectionProvider(provider)
                        .build();
                slotRefresher = new ClusterSlotRefresher(provider, TOPOLOGY_REFRESH, settings);
                return cluster;
            default:
                HostAndPort node = new HostAndPort(settings.host(), settings.port());
                ConnectionFactory connections = new ConnectionFactory(
                        DeadlineSocket.factory(node, nodeConfig), nodeConfig);
                return RedisClient.builder()
                        .hostAndPort(node)
                        .clientConfig(nodeConfig)
                        .connectionProvider(new PooledConnectionProvider(connections, pool))
                        .build();
        }
    }

    private Set<HostAndPort> hostsAndPorts() {
        Set<HostAndPort> nodes = new HashSet<>();
        for (String node : settings.nodes()) {
            nodes.add(HostAndPort.from(node));
        }
        return Collections.unmodifiableSet(nodes);
    }

    @Override
    public String toString() {
        return settings.toString();
    }
}
