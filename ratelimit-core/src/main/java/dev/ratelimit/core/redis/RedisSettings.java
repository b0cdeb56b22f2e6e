package dev.ratelimit.core.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import dev.ratelimit.core.StoreCircuitBreaker;

/**
 * Where Redis is (one node, a Sentinel-monitored master, or a Cluster), who we are to it, and how long we
 * wait for it; immutable, made with {@link #builder()} (or {@link RedisUrl}, which parses a URL or a node
 * list into a builder). Two filters with equal settings share one pool. {@link #toString()} never shows a
 * password.
 */
public final class RedisSettings {

    /** Default {@code timeout}: how long one Redis call may take before the failure mode decides. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 50;
    /** Default {@code connect-timeout}. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 100;
    /** Default {@code pool-max-total}: connections per Redis node per web application. */
    public static final int DEFAULT_POOL_MAX_TOTAL = 32;
    /** Default {@code pool-max-wait}: how long a request waits for a free connection. */
    public static final long DEFAULT_POOL_MAX_WAIT_MILLIS = 20;

    /** How the Redis deployment is reached. */
    public enum Topology {
        /** One node (or a proxy / managed endpoint), {@code redis-url}. */
        STANDALONE,
        /** The master that Sentinel names, {@code redis-sentinels} + {@code redis-sentinel-master}. */
        SENTINEL,
        /** Redis Cluster from seed nodes, {@code redis-cluster}. */
        CLUSTER
    }

    private final Topology topology;
    private final String parameter;
    private final List<String> nodes;
    private final String master;
    private final boolean tls;
    private final RedisTls stores;
    private final String user;
    private final String password;
    private final int database;
    private final long timeoutMillis;
    private final long connectTimeoutMillis;
    private final int poolMaxTotal;
    private final long poolMaxWaitMillis;
    private final int breakerFailures;
    private final long breakerOpenMillis;
    private final int breakerProbes;
    private final boolean pipelining;
    private final Provenance credentialsSource;
    private final Provenance tlsSource;

    private RedisSettings(Builder b) {
        if (b.topology == null || b.nodes == null || b.nodes.isEmpty()) {
            throw new IllegalStateException("Redis settings need a topology and at least one node");
        }
        this.topology = b.topology;
        this.parameter = b.parameter;
        this.nodes = Collections.unmodifiableList(new ArrayList<>(b.nodes));
        this.master = b.master;
        this.tls = b.tls;
        this.stores = b.stores;
        this.user = b.user;
        this.password = b.password;
        this.database = b.database;
        this.timeoutMillis = b.timeoutMillis;
        this.connectTimeoutMillis = b.connectTimeoutMillis;
        this.poolMaxTotal = b.poolMaxTotal;
        this.poolMaxWaitMillis = b.poolMaxWaitMillis;
        this.breakerFailures = b.breakerFailures;
        this.breakerOpenMillis = b.breakerOpenMillis;
        this.breakerProbes = b.breakerProbes;
        this.pipelining = b.pipelining;
        this.credentialsSource = b.credentialsSource;
        this.tlsSource = b.tlsSource;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Topology topology() {
        return topology;
    }

    /** The node ({@code host:port}) of a single-node URL, else the sentinels or the cluster seeds. */
    public List<String> nodes() {
        return nodes;
    }

    /** The Sentinel master name, or null. */
    public String master() {
        return master;
    }

    /** The first node's host: the URL's host, or the first sentinel or seed. */
    public String host() {
        String node = nodes.get(0);
        return node.substring(0, node.lastIndexOf(':'));
    }

    public int port() {
        String node = nodes.get(0);
        return Integer.parseInt(node.substring(node.lastIndexOf(':') + 1));
    }

    public boolean tls() {
        return tls;
    }

    /** Trust and key stores for TLS, or null for the JVM's defaults. */
    public RedisTls stores() {
        return stores;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The parameter the connection or its topology came from, e.g. {@code redis-cluster}. */
    public String parameter() {
        return parameter;
    }

    /** The parameter that gave the password (for messages), or null. */
    String credentialsParameter() {
        return credentialsSource == null ? null : credentialsSource.parameter;
    }

    String credentialsValue() {
        return credentialsSource == null ? null : credentialsSource.shownValue;
    }

    /** The parameter whose trust settings Redis' certificate failed (for messages). */
    String tlsParameter() {
        return tlsSource == null ? null : tlsSource.parameter;
    }

    String tlsValue() {
        return tlsSource == null ? null : tlsSource.shownValue;
    }

    public int database() {
        return database;
    }

    public long timeoutMillis() {
        return timeoutMillis;
    }

    public long connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    public int poolMaxTotal() {
        return poolMaxTotal;
    }

    public long poolMaxWaitMillis() {
        return poolMaxWaitMillis;
    }

    public int breakerFailures() {
        return breakerFailures;
    }

    public long breakerOpenMillis() {
        return breakerOpenMillis;
    }

    public int breakerProbes() {
        return breakerProbes;
    }

    /** Whether concurrent script calls are coalesced into pipelines (see {@code ScriptCalls}). */
    public boolean pipelining() {
        return pipelining;
    }

    /** What makes two settings share one pool: every value, but not where it came from. */
    private List<Object> identity() {
        return Arrays.asList(topology, nodes, master, tls, stores, user, password, database,
                timeoutMillis, connectTimeoutMillis, poolMaxTotal, poolMaxWaitMillis, breakerFailures,
                breakerOpenMillis, breakerProbes, pipelining);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisSettings && identity().equals(((RedisSettings) o).identity());
    }

    @Override
    public int hashCode() {
        return identity().hashCode();
    }

    /**
     * E.g. {@code redis://cache.internal:6379/0}, {@code redis-sentinel://s1:26379,s2:26379/mymaster/0},
     * {@code rediss-cluster://user@n1:6379,n2:6379}; never with the password.
     */
    @Override
    public String toString() {
        String shownUser = user != null ? user + "@" : "";
        String scheme = tls ? "rediss" : "redis";
        switch (topology) {
            case SENTINEL:
                return scheme + "-sentinel://" + shownUser + String.join(",", nodes) + "/" + master + "/" + database;
            case CLUSTER:
                return scheme + "-cluster://" + shownUser + String.join(",", nodes);
            default:
                return scheme + "://" + shownUser + nodes.get(0) + "/" + database;
        }
    }

    /** Which parameter gave a value, and that parameter's value as it may be shown (masked). */
    private static final class Provenance {
        final String parameter;
        final String shownValue;

        Provenance(String parameter, String shownValue) {
            this.parameter = parameter;
            this.shownValue = shownValue;
        }
    }

    /**
     * Collects the values; {@link #build()} may be called more than once, each time a snapshot. Defaults
     * are the {@code DEFAULT_*} constants here and in {@link StoreCircuitBreaker}, with pipelining on.
     */
    public static final class Builder {
        private Topology topology;
        private String parameter;
        private List<String> nodes;
        private String master;
        private boolean tls;
        private RedisTls stores;
        private String user;
        private String password;
        private int database;
        private long timeoutMillis = DEFAULT_TIMEOUT_MILLIS;
        private long connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
        private int poolMaxTotal = DEFAULT_POOL_MAX_TOTAL;
        private long poolMaxWaitMillis = DEFAULT_POOL_MAX_WAIT_MILLIS;
        private int breakerFailures = StoreCircuitBreaker.DEFAULT_FAILURES;
        private long breakerOpenMillis = StoreCircuitBreaker.DEFAULT_OPEN_MILLIS;
        private int breakerProbes = StoreCircuitBreaker.DEFAULT_PROBES;
        private boolean pipelining = true;
        private Provenance credentialsSource;
        private Provenance tlsSource;

        private Builder() {
        }

        /** @param parameter the parameter the connection came from, for messages */
        public Builder topology(Topology topology, String parameter) {
            this.topology = topology;
            this.parameter = parameter;
            return this;
        }

        /** The one node, the sentinels or the cluster seeds, each {@code host:port}. */
        public Builder nodes(List<String> nodes) {
            this.nodes = nodes;
            return this;
        }

        /** The master name the sentinels monitor. */
        public Builder master(String master) {
            this.master = master;
            return this;
        }

        /**
         * TLS on or off, as {@code parameter} (shown as {@code shownValue}, masked) said: it is named when
         * Redis' certificate is not trusted.
         */
        public Builder tls(boolean tls, String parameter, String shownValue) {
            this.tls = tls;
            this.tlsSource = new Provenance(parameter, shownValue);
            return this;
        }

        /** TLS with these trust and key stores, which are then named when Redis' certificate is not trusted. */
        public Builder tlsStores(RedisTls stores) {
            this.tls = true;
            this.stores = stores;
            this.tlsSource = new Provenance(stores.parameter(), stores.shownValue());
            return this;
        }

        /**
         * The ACL user and password (null: none). {@code parameter} and {@code shownValue} name where the
         * password came from (never the password), for the message when Redis refuses them.
         */
        public Builder credentials(String user, String password, String parameter, String shownValue) {
            this.user = user;
            this.password = password;
            this.credentialsSource = new Provenance(parameter, shownValue);
            return this;
        }

        public Builder database(int database) {
            this.database = database;
            return this;
        }

        public Builder timeouts(long timeoutMillis, long connectTimeoutMillis) {
            this.timeoutMillis = timeoutMillis;
            this.connectTimeoutMillis = connectTimeoutMillis;
            return this;
        }

        public Builder pool(int poolMaxTotal, long poolMaxWaitMillis) {
            this.poolMaxTotal = poolMaxTotal;
            this.poolMaxWaitMillis = poolMaxWaitMillis;
            return this;
        }

        public Builder breaker(int failures, long openMillis, int probes) {
            this.breakerFailures = failures;
            this.breakerOpenMillis = openMillis;
            this.breakerProbes = probes;
            return this;
        }

        /** Whether concurrent script calls are coalesced into pipelines (see {@code ScriptCalls}). */
        public Builder pipelining(boolean pipelining) {
            this.pipelining = pipelining;
            return this;
        }

        /** @throws IllegalStateException without a topology or nodes (a programming error, not configuration) */
        public RedisSettings build() {
            return new RedisSettings(this);
        }
    }
}
