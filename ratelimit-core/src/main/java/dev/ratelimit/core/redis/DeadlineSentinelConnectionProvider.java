package dev.ratelimit.core.redis;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.Pool;

/**
 * Jedis' Sentinel provider (it asks the sentinels for the master and follows their failovers), whose
 * connections to the master end each call's reads at its {@link ReadDeadline}: they come from
 * {@link DeadlinePools}, one pool for the current master; a former master's pool is closed once the
 * sentinels name another. Connections to the sentinels themselves are Jedis' own (they never carry a call).
 */
final class DeadlineSentinelConnectionProvider extends SentineledConnectionProvider {

    private final DeadlinePools pools;
    private volatile HostAndPort lastMaster;

    DeadlineSentinelConnectionProvider(String masterName, JedisClientConfig masterConfig,
                                       GenericObjectPoolConfig<Connection> poolConfig, Set<HostAndPort> sentinels,
                                       JedisClientConfig sentinelConfig) {
        super(masterName, masterConfig, poolConfig, sentinels, sentinelConfig);
        this.pools = new DeadlinePools(masterConfig, poolConfig);
    }

    @Override
    public Connection getConnection() {
        return masterPool().getResource();
    }

    @Override
    public Connection getConnection(CommandArguments args) {
        return getConnection();
    }

    @Override
    public Map<?, Pool<Connection>> getConnectionMap() {
        HostAndPort master = getCurrentMaster();
        return Collections.<HostAndPort, Pool<Connection>>singletonMap(master, pools.of(master));
    }

    @Override
    public Map<?, Pool<Connection>> getPrimaryNodesConnectionMap() {
        return getConnectionMap();
    }

    private Pool<Connection> masterPool() {
        HostAndPort master = getCurrentMaster();
        if (!master.equals(lastMaster)) {
            lastMaster = master;
            pools.keepOnly(Collections.singleton(master.toString()));
        }
        return pools.of(master);
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
