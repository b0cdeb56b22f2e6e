package dev.ratelimit.core.redis;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.StoreCircuitBreaker;

/**
 * Where Redis is (one node, a Sentinel-monitored master, or a Cluster), who we are to it, and how long we
 * wait for it. Two filters with equal settings share one pool. {@link #toString()} never shows a password.
 */
public final class RedisSettings {

    public static final String URL_ACCEPTED = "redis://[user:password@]host[:port][/database] or rediss://… for TLS";
    /** Why a URL with a password in it often fails to parse, and the cure. */
    private static final String ENCODE_HINT = "percent-encode '%', '@', '/', ':', '?', '#' and spaces in the"
            + " user and password, e.g. %40 for '@'";
    public static final String NODES_ACCEPTED = "a comma-separated list of host:port, e.g. 'redis-1:26379, redis-2:26379'"
            + " (each may start with redis:// or rediss:// for TLS)";

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

    private static final Pattern SCHEME = Pattern.compile("\\s*[A-Za-z][A-Za-z0-9+.-]*://");

    private final Fields f;

    private RedisSettings(Fields fields) {
        this.f = fields;
    }

    /**
     * @param parameter the parameter that held the URL, for error messages
     */
    public static RedisSettings fromUrl(String parameter, String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            // Not attached as the cause: its message is the whole URL, password included.
            throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED + " (" + e.getReason() + " at index "
                    + e.getIndex() + "; " + ENCODE_HINT + ")");
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme) || uri.getHost() == null) {
            throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED + " (" + ENCODE_HINT + ")");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED + " (no '?' or '#' part; " + ENCODE_HINT + ")");
        }
        Fields f = new Fields(Topology.STANDALONE, parameter);
        f.nodes = Collections.singletonList(uri.getHost() + ":" + (uri.getPort() == -1 ? 6379 : uri.getPort()));
        f.tls = "rediss".equals(scheme);
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            f.user = colon < 0 ? null : decode(parameter, url, info.substring(0, colon));
            f.password = decode(parameter, url, colon < 0 ? info : info.substring(colon + 1));
            if (f.user != null && f.user.isEmpty()) {
                f.user = null;
            }
            f.credentialsParameter = parameter;
            f.credentialsValue = mask(url);
        }
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            String db = path.substring(1);
            if (!db.matches("\\d{1,5}")) {
                throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED + " (database is a number)");
            }
            f.database = Integer.parseInt(db);
        }
        f.tlsParameter = parameter;
        f.tlsValue = mask(url);
        return new RedisSettings(f);
    }

    /**
     * The master named {@code master}, found through the given sentinels.
     *
     * @param parameter the parameter that held the sentinel list, for error messages
     */
    public static RedisSettings sentinel(String parameter, String sentinels, String master) {
        Fields f = nodes(Topology.SENTINEL, parameter, sentinels);
        f.master = master;
        return new RedisSettings(f);
    }

    /**
     * A Redis Cluster discovered from the given seed nodes (any one that answers is enough).
     *
     * @param parameter the parameter that held the seed list, for error messages
     */
    public static RedisSettings cluster(String parameter, String seeds) {
        return new RedisSettings(nodes(Topology.CLUSTER, parameter, seeds));
    }

    private static Fields nodes(Topology topology, String parameter, String list) {
        Fields f = new Fields(topology, parameter);
        List<String> nodes = new ArrayList<>();
        Boolean tls = null;
        for (String entry : list.split(",")) {
            String node = entry.trim();
            boolean secure = node.startsWith("rediss://");
            if (secure || node.startsWith("redis://")) {
                node = node.substring(node.indexOf("//") + 2);
            }
            int colon = node.lastIndexOf(':');
            if (colon <= 0 || !node.substring(colon + 1).matches("\\d{1,5}")
                    || Integer.parseInt(node.substring(colon + 1)) > 65_535 || !node.substring(0, colon).matches("[A-Za-z0-9._\\-\\[\\]:]+")) {
                throw new ConfigurationException(parameter, mask(list), NODES_ACCEPTED);
            }
            if (tls != null && tls != secure) {
                throw new ConfigurationException(parameter, mask(list), NODES_ACCEPTED + "; either all entries use rediss:// or none");
            }
            tls = secure;
            if (!nodes.contains(node)) {
                nodes.add(node);
            }
        }
        f.nodes = Collections.unmodifiableList(nodes);
        f.tls = tls != null && tls;
        f.tlsParameter = parameter;
        f.tlsValue = mask(list);
        return f;
    }

    public RedisSettings withTimeouts(long timeoutMillis, long connectTimeoutMillis) {
        Fields f = this.f.copy();
        f.timeoutMillis = timeoutMillis;
        f.connectTimeoutMillis = connectTimeoutMillis;
        return new RedisSettings(f);
    }

    public RedisSettings withPool(int poolMaxTotal, long poolMaxWaitMillis) {
        Fields f = this.f.copy();
        f.poolMaxTotal = poolMaxTotal;
        f.poolMaxWaitMillis = poolMaxWaitMillis;
        return new RedisSettings(f);
    }

    /** Whether concurrent script calls are coalesced into pipelines (see {@code ScriptCalls}). */
    public RedisSettings withPipelining(boolean pipelining) {
        Fields f = this.f.copy();
        f.pipelining = pipelining;
        return new RedisSettings(f);
    }

    public RedisSettings withBreaker(int failures, long openMillis, int probes) {
        Fields f = this.f.copy();
        f.breakerFailures = failures;
        f.breakerOpenMillis = openMillis;
        f.breakerProbes = probes;
        return new RedisSettings(f);
    }

    /**
     * The ACL user and password (null: none). {@code parameter} and {@code shownValue} name where the
     * password came from (never the password), for the message when Redis refuses them.
     */
    public RedisSettings withCredentials(String user, String password, String parameter, String shownValue) {
        Fields f = this.f.copy();
        f.user = user;
        f.password = password;
        f.credentialsParameter = parameter;
        f.credentialsValue = shownValue;
        return new RedisSettings(f);
    }

    /** TLS with these trust and key stores; null keeps the JVM's default trust and no client certificate. */
    public RedisSettings withTls(RedisTls stores) {
        Fields f = this.f.copy();
        f.tls = true;
        f.stores = stores;
        if (stores != null) {
            f.tlsParameter = stores.parameter();
            f.tlsValue = stores.shownValue();
        }
        return new RedisSettings(f);
    }

    /**
     * RFC 3986 percent-decoding of the user or password, as UTF-8. Unlike form decoding, {@code +} stays
     * {@code +}. Messages never show the text: it is a secret.
     */
    private static String decode(String parameter, String url, String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
                int low = high < 0 ? -1 : Character.digit(text.charAt(i + 2), 16);
                if (low < 0) {
                    throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED + " (" + ENCODE_HINT + ")");
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else {
                int next = text.indexOf('%', i);
                String plain = text.substring(i, next < 0 ? text.length() : next);
                byte[] encoded = plain.getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
                i += plain.length() - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED + " (user and password percent-encoded as UTF-8)");
        }
    }

    /**
     * The text (a URL, or a list of nodes) with every password replaced by {@code ***}, safe for logs and
     * messages. A password may hold {@code / @ : #}: everything from the scheme's {@code //} (or the start)
     * to the last {@code @} is user info, of which only the user before the first {@code :} is kept.
     */
    static String mask(String text) {
        if (text == null) {
            return null;
        }
        int end = text.lastIndexOf('@');
        Matcher scheme = SCHEME.matcher(text);
        int start = scheme.lookingAt() ? scheme.end() : 0;
        if (end < start) {
            return withoutQuery(text, start);
        }
        String info = text.substring(start, end);
        int colon = info.indexOf(':');
        String user = colon < 0 ? "" : info.substring(0, colon);
        String shown = colon < 0 || user.indexOf('@') >= 0 || user.indexOf('/') >= 0 ? "***" : user + ":***";
        return text.substring(0, start) + shown + withoutQuery(text.substring(end), 0);
    }

    /** A query or fragment ({@code ?password=…}, refused anyway) is never shown: it may hold a secret. */
    private static String withoutQuery(String text, int from) {
        int query = -1;
        for (int i = from; i < text.length() && query < 0; i++) {
            if (text.charAt(i) == '?' || text.charAt(i) == '#') {
                query = i;
            }
        }
        return query < 0 ? text : text.substring(0, query) + "?***";
    }

    public Topology topology() {
        return f.topology;
    }

    /** The node ({@code host:port}) of a single-node URL, else the sentinels or the cluster seeds. */
    public List<String> nodes() {
        return f.nodes;
    }

    /** The Sentinel master name, or null. */
    public String master() {
        return f.master;
    }

    /** The first node's host: the URL's host, or the first sentinel or seed. */
    public String host() {
        String node = f.nodes.get(0);
        return node.substring(0, node.lastIndexOf(':'));
    }

    public int port() {
        String node = f.nodes.get(0);
        return Integer.parseInt(node.substring(node.lastIndexOf(':') + 1));
    }

    public boolean tls() {
        return f.tls;
    }

    /** Trust and key stores for TLS, or null for the JVM's defaults. */
    public RedisTls stores() {
        return f.stores;
    }

    public String user() {
        return f.user;
    }

    public String password() {
        return f.password;
    }

    /** The parameter the connection or its topology came from, e.g. {@code redis-cluster}. */
    public String parameter() {
        return f.parameter;
    }

    /** The parameter that gave the password (for messages), or null. */
    String credentialsParameter() {
        return f.credentialsParameter;
    }

    String credentialsValue() {
        return f.credentialsValue;
    }

    /** The parameter whose trust settings Redis' certificate failed (for messages). */
    String tlsParameter() {
        return f.tlsParameter;
    }

    String tlsValue() {
        return f.tlsValue;
    }

    public int database() {
        return f.database;
    }

    public long timeoutMillis() {
        return f.timeoutMillis;
    }

    public long connectTimeoutMillis() {
        return f.connectTimeoutMillis;
    }

    public int poolMaxTotal() {
        return f.poolMaxTotal;
    }

    public long poolMaxWaitMillis() {
        return f.poolMaxWaitMillis;
    }

    public int breakerFailures() {
        return f.breakerFailures;
    }

    public long breakerOpenMillis() {
        return f.breakerOpenMillis;
    }

    public int breakerProbes() {
        return f.breakerProbes;
    }

    public boolean pipelining() {
        return f.pipelining;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisSettings && f.key().equals(((RedisSettings) o).f.key());
    }

    @Override
    public int hashCode() {
        return f.key().hashCode();
    }

    /**
     * E.g. {@code redis://cache.internal:6379/0}, {@code redis-sentinel://s1:26379,s2:26379/mymaster/0},
     * {@code rediss-cluster://user@n1:6379,n2:6379}; never with the password.
     */
    @Override
    public String toString() {
        String user = f.user != null ? f.user + "@" : "";
        String scheme = f.tls ? "rediss" : "redis";
        switch (f.topology) {
            case SENTINEL:
                return scheme + "-sentinel://" + user + String.join(",", f.nodes) + "/" + f.master + "/" + f.database;
            case CLUSTER:
                return scheme + "-cluster://" + user + String.join(",", f.nodes);
            default:
                return scheme + "://" + user + f.nodes.get(0) + "/" + f.database;
        }
    }

    /** The values, copied on every change so that a settings object never changes once built. */
    private static final class Fields {
        final Topology topology;
        final String parameter;
        List<String> nodes;
        String master;
        boolean tls;
        RedisTls stores;
        String user;
        String password;
        int database;
        long timeoutMillis = DEFAULT_TIMEOUT_MILLIS;
        long connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
        int poolMaxTotal = DEFAULT_POOL_MAX_TOTAL;
        long poolMaxWaitMillis = DEFAULT_POOL_MAX_WAIT_MILLIS;
        int breakerFailures = StoreCircuitBreaker.DEFAULT_FAILURES;
        long breakerOpenMillis = StoreCircuitBreaker.DEFAULT_OPEN_MILLIS;
        int breakerProbes = StoreCircuitBreaker.DEFAULT_PROBES;
        boolean pipelining = true;
        // Where values came from, for messages only: not part of equality.
        String credentialsParameter;
        String credentialsValue;
        String tlsParameter;
        String tlsValue;

        Fields(Topology topology, String parameter) {
            this.topology = topology;
            this.parameter = parameter;
        }

        Fields copy() {
            Fields c = new Fields(topology, parameter);
            c.nodes = nodes;
            c.master = master;
            c.tls = tls;
            c.stores = stores;
            c.user = user;
            c.password = password;
            c.database = database;
            c.timeoutMillis = timeoutMillis;
            c.connectTimeoutMillis = connectTimeoutMillis;
            c.poolMaxTotal = poolMaxTotal;
            c.poolMaxWaitMillis = poolMaxWaitMillis;
            c.breakerFailures = breakerFailures;
            c.breakerOpenMillis = breakerOpenMillis;
            c.breakerProbes = breakerProbes;
            c.pipelining = pipelining;
            c.credentialsParameter = credentialsParameter;
            c.credentialsValue = credentialsValue;
            c.tlsParameter = tlsParameter;
            c.tlsValue = tlsValue;
            return c;
        }

        List<Object> key() {
            return Arrays.asList(topology, nodes, master, tls, stores, user, password, database,
                    timeoutMillis, connectTimeoutMillis, poolMaxTotal, poolMaxWaitMillis, breakerFailures,
                    breakerOpenMillis, breakerProbes, pipelining);
        }
    }
}
