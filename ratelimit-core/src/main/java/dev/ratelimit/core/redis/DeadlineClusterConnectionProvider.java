package dev.ratelimit.core.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.ClusterConnectionProvider;

/**
 * Jedis' Cluster provider (slot map, re-read after failures, and every second by {@link ClusterSlotRefresher}),
 * whose connections to the nodes end each call's reads at its {@link ReadDeadline}: every connection to a master
 * it hands out comes from {@link DeadlinePools}, by the node Jedis' slot map names (reads from replicas, which the
 * limiter never makes, stay Jedis'). Jedis' own node pools then serve only its reads of the slot map.
 *
 * <p>Jedis re-reads the slot map on the calling thread after connection failures and after {@code MOVED}, and
 * falls back to fresh connections of its own (plain reads) when the first node fails; a dripped or silent node
 * would then hold the call past its budget. So a call with a deadline leaves the slot map to the periodic refresh
 * ({@link ClusterSlotRefresher}, whose thread has no deadline); callers without one (startup, probes) re-read it as
 * Jedis does.
 */
final class DeadlineClusterConnectionProvider extends ClusterConnectionProvider {

    private final DeadlinePools pools;

    DeadlineClusterConnectionProvider(Set<HostAndPort> seeds, JedisClientConfig config,
                                      GenericObjectPoolConfig<Connection> poolConfig) {
        // No refresh period: Jedis would run the refresh on an executor of its own, not waited for at close.
        super(seeds, config, poolConfig);
        this.pools = new DeadlinePools(config, poolConfig);
    }

    @Override
    public Connection getConnectionFromSlot(int slot) {
        HostAndPort node = getNode(slot);
        if (node == null) {
            renewSlotCache();
            node = getNode(slot);
        }
        // Still no owner: any master, which answers MOVED if it knows one (as Jedis does).
        return node != null ? pools.of(node).getResource() : getConnection();
    }

    @Override
    public Connection getConnection(HostAndPort node) {
        return node != null ? pools.of(node).getResource() : getConnection();
    }

    @Override
    public Connection getConnection() {
        List<String> masters = new ArrayList<>(super.getPrimaryNodes().keySet());
        Collections.shuffle(masters);
        JedisException last = null;
        for (String master : masters) {
            Connection connection = null;
            try {
                connection = pools.of(HostAndPort.from(master)).getResource();
                connection.ping();
                return connection;
            } catch (JedisException e) {
                last = e;
                if (connection != null) {
                    connection.close();
                }
            }
        }
        JedisClusterOperationException none = new JedisClusterOperationException("No reachable node in cluster.");
        if (last != null) {
            none.addSuppressed(last);
        }
        throw none;
    }

    @Override
    public void renewSlotCache() {
        if (ReadDeadline.remainingNanos() == ReadDeadline.NONE) {
            super.renewSlotCache();
        }
    }

    @Override
    public void renewSlotCache(Connection connection) {
        if (ReadDeadline.remainingNanos() == ReadDeadline.NONE) {
            super.renewSlotCache(connection);
        }
    }

    /** How many nodes (masters and replicas) the slot map names now. */
    int slotMapNodes() {
        return super.getNodes().size();
    }

    /** The pools of the nodes in the slot map now. */
    @Override
    public Map<String, ConnectionPool> getNodes() {
        return pools.of(super.getNodes().keySet());
    }

    @Override
    public Map<String, ConnectionPool> getPrimaryNodes() {
        return pools.of(super.getPrimaryNodes().keySet());
    }

    @Override
    public Map<String, ConnectionPool> getConnectionMap() {
        return getNodes();
    }

    @Override
    public Map<String, ConnectionPool> getPrimaryNodesConnectionMap() {
        return getPrimaryNodes();
    }

    @Override
    public void close() {
        try {
            super.close();
        } finally {
            pools.close();
        }
    }
}
