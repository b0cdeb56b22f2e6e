package dev.ratelimit.core.redis;

import java.io.UnsupportedEncodingException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.util.Objects;

import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.StoreCircuitBreaker;

/**
 * Where Redis is and how long we wait for it. Two filters with equal settings share one pool.
 * {@link #toString()} never shows the password.
 */
public final class RedisSettings {

    public static final String URL_ACCEPTED = "redis://[user:password@]host[:port][/database] or rediss://… for TLS";

    /** Default {@code timeout}: how long one Redis call may take before the failure mode decides. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 50;
    /** Default {@code connect-timeout}. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 100;
    /** Default {@code pool-max-total}: connections per Redis URL per web application. */
    public static final int DEFAULT_POOL_MAX_TOTAL = 32;
    /** Default {@code pool-max-wait}: how long a request waits for a free connection. */
    public static final long DEFAULT_POOL_MAX_WAIT_MILLIS = 20;

    private final String host;
    private final int port;
    private final boolean tls;
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

    private RedisSettings(String host, int port, boolean tls, String user, String password, int database,
                          long timeoutMillis, long connectTimeoutMillis, int poolMaxTotal, long poolMaxWaitMillis,
                          int breakerFailures, long breakerOpenMillis, int breakerProbes) {
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.user = user;
        this.password = password;
        this.database = database;
        this.timeoutMillis = timeoutMillis;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.poolMaxTotal = poolMaxTotal;
        this.poolMaxWaitMillis = poolMaxWaitMillis;
        this.breakerFailures = breakerFailures;
        this.breakerOpenMillis = breakerOpenMillis;
        this.breakerProbes = breakerProbes;
    }

    /**
     * @param parameter the parameter that held the URL, for error messages
     */
    public static RedisSettings fromUrl(String parameter, String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED, e);
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme) || uri.getHost() == null) {
            throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED);
        }
        int port = uri.getPort() == -1 ? 6379 : uri.getPort();
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = colon < 0 ? null : decode(info.substring(0, colon));
            password = decode(colon < 0 ? info : info.substring(colon + 1));
            if (user != null && user.isEmpty()) {
                user = null;
            }
        }
        int database = 0;
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            String db = path.substring(1);
            if (!db.matches("\\d{1,5}")) {
                throw new ConfigurationException(parameter, mask(url), URL_ACCEPTED + " (database is a number)");
            }
            database = Integer.parseInt(db);
        }
        return new RedisSettings(uri.getHost(), port, "rediss".equals(scheme), user, password, database,
                DEFAULT_TIMEOUT_MILLIS, DEFAULT_CONNECT_TIMEOUT_MILLIS, DEFAULT_POOL_MAX_TOTAL,
                DEFAULT_POOL_MAX_WAIT_MILLIS, StoreCircuitBreaker.DEFAULT_FAILURES,
                StoreCircuitBreaker.DEFAULT_OPEN_MILLIS, StoreCircuitBreaker.DEFAULT_PROBES);
    }

    public RedisSettings withTimeouts(long timeoutMillis, long connectTimeoutMillis) {
        return new RedisSettings(host, port, tls, user, password, database, timeoutMillis, connectTimeoutMillis,
                poolMaxTotal, poolMaxWaitMillis, breakerFailures, breakerOpenMillis, breakerProbes);
    }

    public RedisSettings withPool(int poolMaxTotal, long poolMaxWaitMillis) {
        return new RedisSettings(host, port, tls, user, password, database, timeoutMillis, connectTimeoutMillis,
                poolMaxTotal, poolMaxWaitMillis, breakerFailures, breakerOpenMillis, breakerProbes);
    }

    public RedisSettings withBreaker(int failures, long openMillis, int probes) {
        return new RedisSettings(host, port, tls, user, password, database, timeoutMillis, connectTimeoutMillis,
                poolMaxTotal, poolMaxWaitMillis, failures, openMillis, probes);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The URL with any password replaced by {@code ***}, safe for logs and messages. */
    static String mask(String url) {
        return url == null ? null : url.replaceAll("(rediss?://[^:@/]*:)[^@/]*@", "$1***@");
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public boolean tls() {
        return tls;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
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

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RedisSettings)) {
            return false;
        }
        RedisSettings r = (RedisSettings) o;
        return host.equals(r.host) && port == r.port && tls == r.tls && Objects.equals(user, r.user)
                && Objects.equals(password, r.password) && database == r.database && timeoutMillis == r.timeoutMillis
                && connectTimeoutMillis == r.connectTimeoutMillis && poolMaxTotal == r.poolMaxTotal
                && poolMaxWaitMillis == r.poolMaxWaitMillis && breakerFailures == r.breakerFailures
                && breakerOpenMillis == r.breakerOpenMillis && breakerProbes == r.breakerProbes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, tls, user, password, database, timeoutMillis, connectTimeoutMillis,
                poolMaxTotal, poolMaxWaitMillis, breakerFailures, breakerOpenMillis, breakerProbes);
    }

    /** E.g. {@code redis://cache.internal:6379/0}, never with the password. */
    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + (user != null ? user + "@" : "") + host + ":" + port + "/" + database;
    }
}
