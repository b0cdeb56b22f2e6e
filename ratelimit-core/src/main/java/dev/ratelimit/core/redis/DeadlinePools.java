package dev.ratelimit.core.redis;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionFactory;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisClusterInfoCache;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The connection pools of one client's nodes, one per node ({@code host:port}), whose connections end each
 * call's reads at its {@link ReadDeadline} ({@link DeadlineSocket}). Jedis' Sentinel and Cluster providers
 * build their node pools themselves, with plain sockets; {@link DeadlineSentinelConnectionProvider} and
 * {@link DeadlineClusterConnectionProvider} hand out connections from these instead.
 */
final class DeadlinePools implements AutoCloseable {

    private final JedisClientConfig config;
    private final GenericObjectPoolConfig<Connection> poolConfig;
    private final Map<String, ConnectionPool> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    DeadlinePools(JedisClientConfig config, GenericObjectPoolConfig<Connection> poolConfig) {
        this.config = config;
        this.poolConfig = poolConfig;
    }

    /** The pool of this node, made on first use. */
    ConnectionPool of(HostAndPort node) {
        if (closed) {
            throw new JedisConnectionException("Redis client closed");
        }
        return pools.computeIfAbsent(JedisClusterInfoCache.getNodeKey(node), key -> new ConnectionPool(
                new ConnectionFactory(DeadlineSocket.factory(node, config), config), poolConfig));
    }

    /** The pools of these nodes ({@code host:port}), in their order. */
    Map<String, ConnectionPool> of(Collection<String> nodes) {
        Map<String, ConnectionPool> map = new LinkedHashMap<>();
        for (String node : nodes) {
            map.put(node, of(HostAndPort.from(node)));
        }
        return Collections.unmodifiableMap(map);
    }

    /** Closes the pools of every node but these (gone from the topology); a connection still out is dropped on return. */
    void keepOnly(Collection<String> nodes) {
        for (Map.Entry<String, ConnectionPool> e : pools.entrySet()) {
            if (!nodes.contains(e.getKey()) && pools.remove(e.getKey(), e.getValue())) {
                e.getValue().close();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ConnectionPool pool : pools.values()) {
            pool.close();
        }
        pools.clear();
    }
}
