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
 *
 * <p>A node's pool stays until the client closes, even once the node has left the topology (a failed master,
 * a demoted one): closing it while calls still borrow from it would fail them, and a node may come back. The
 * nodes of one client are few; the pool of a dead node keeps no connection (they break and are dropped).
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

    @Override
    public void close() {
        closed = true;
        for (ConnectionPool pool : pools.values()) {
            pool.close();
        }
        pools.clear();
    }
}
