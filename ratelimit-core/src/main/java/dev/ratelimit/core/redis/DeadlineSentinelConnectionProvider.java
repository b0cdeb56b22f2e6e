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
 * {@link DeadlinePools}, the pool of whichever node the sentinels name master now. Connections to the
 * sentinels themselves are Jedis' own (they never carry a call).
 */
final class DeadlineSentinelConnectionProvider extends SentineledConnectionProvider {

    private final DeadlinePools pools;

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
        return pools.of(getCurrentMaster());
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
