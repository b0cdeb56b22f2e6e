package dev.ratelimit.core.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.StoreCircuitBreaker;

/**
 * Reads where Redis is (one node, Sentinel or Cluster), who we are to it (ACL user, password, TLS) and
 * how long to wait for it, with the same names in every adapter. Secrets are never parameter values:
 * parameters name the environment variable or the file that holds them.
 */
public final class RedisParams {

    public static final String REDIS_URL = "redis-url";
    public static final String REDIS_SENTINELS = "redis-sentinels";
    public static final String REDIS_SENTINEL_MASTER = "redis-sentinel-master";
    public static final String REDIS_CLUSTER = "redis-cluster";
    public static final String REDIS_USER = "redis-user";
    public static final String REDIS_PASSWORD_ENV = "redis-password-env";
    public static final String REDIS_PASSWORD_FILE = "redis-password-file";
    public static final String REDIS_TRUSTSTORE = "redis-truststore";
    public static final String REDIS_TRUSTSTORE_PASSWORD_ENV = "redis-truststore-password-env";
    public static final String REDIS_KEYSTORE = "redis-keystore";
    public static final String REDIS_KEYSTORE_PASSWORD_ENV = "redis-keystore-password-env";
    public static final String TIMEOUT = "timeout";
    public static final String CONNECT_TIMEOUT = "connect-timeout";
    public static final String POOL_MAX_TOTAL = "pool-max-total";
    public static final String POOL_MAX_WAIT = "pool-max-wait";
    public static final String BREAKER_FAILURES = "breaker-failures";
    public static final String BREAKER_OPEN = "breaker-open";
    public static final String BREAKER_PROBES = "breaker-probes";
    public static final String PIPELINING = "pipelining";

    /** Every parameter this class reads. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER, REDIS_CLUSTER, REDIS_USER, REDIS_PASSWORD_ENV,
            REDIS_PASSWORD_FILE, REDIS_TRUSTSTORE, REDIS_TRUSTSTORE_PASSWORD_ENV, REDIS_KEYSTORE,
            REDIS_KEYSTORE_PASSWORD_ENV, TIMEOUT, CONNECT_TIMEOUT, POOL_MAX_TOTAL, POOL_MAX_WAIT, BREAKER_FAILURES,
            BREAKER_OPEN, BREAKER_PROBES, PIPELINING));

    /** System property read for the Redis URL when no parameter sets it. */
    public static final String REDIS_URL_PROPERTY = "ratelimit.redis-url";
    /** Environment variable read for the Redis URL last. */
    public static final String REDIS_URL_ENV = "REDIS_URL";

    private RedisParams() {
    }

    /**
     * Exactly one of {@code redis-url}, {@code redis-sentinels} (with {@code redis-sentinel-master}) or
     * {@code redis-cluster}; when none is set, the system property {@value #REDIS_URL_PROPERTY}, else the
     * environment variable {@value #REDIS_URL_ENV}.
     *
     * @return the settings, or null when no Redis is configured anywhere (count in memory)
     */
    public static RedisSettings read(ConfigParams params) {
        return read(params, System::getenv);
    }

    /** As {@link #read(ConfigParams)}, with the environment given (tests cannot set variables). */
    public static RedisSettings read(ConfigParams params, Function<String, String> env) {
        RedisSettings.Builder settings = topology(params, env);
        if (settings == null) {
            for (String name : new String[] {REDIS_SENTINEL_MASTER, REDIS_USER, REDIS_PASSWORD_ENV, REDIS_PASSWORD_FILE,
                    REDIS_TRUSTSTORE, REDIS_KEYSTORE}) {
                if (params.get(name) != null) {
                    throw new ConfigurationException(name, params.get(name), "only with a Redis to connect to: set "
                            + REDIS_URL + ", " + REDIS_SENTINELS + " or " + REDIS_CLUSTER);
                }
            }
            return null;
        }
        credentials(params, env, settings);
        tls(params, env, settings);
        return settings
                .timeouts(params.getMillis(TIMEOUT, RedisSettings.DEFAULT_TIMEOUT_MILLIS, 1, 60_000),
                        params.getMillis(CONNECT_TIMEOUT, RedisSettings.DEFAULT_CONNECT_TIMEOUT_MILLIS, 1, 60_000))
                .pool((int) params.getLong(POOL_MAX_TOTAL, RedisSettings.DEFAULT_POOL_MAX_TOTAL, 1, 10_000),
                        params.getMillis(POOL_MAX_WAIT, RedisSettings.DEFAULT_POOL_MAX_WAIT_MILLIS, 0, 60_000))
                .breaker((int) params.getLong(BREAKER_FAILURES, StoreCircuitBreaker.DEFAULT_FAILURES, 1, 1_000),
                        params.getMillis(BREAKER_OPEN, StoreCircuitBreaker.DEFAULT_OPEN_MILLIS, 100, 3_600_000),
                        (int) params.getLong(BREAKER_PROBES, StoreCircuitBreaker.DEFAULT_PROBES, 1, 100))
                .pipelining(params.getBoolean(PIPELINING, true))
                .build();
    }

    private static RedisSettings.Builder topology(ConfigParams params, Function<String, String> env) {
        List<String> given = new ArrayList<>();
        for (String name : new String[] {REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER}) {
            if (params.get(name) != null) {
                given.add(name);
            }
        }
        if (given.size() > 1) {
            throw new ConfigurationException(given.get(1), UrlMask.mask(params.get(given.get(1))), "exactly one of " + REDIS_URL
                    + " (one node), " + REDIS_SENTINELS + " (Sentinel) or " + REDIS_CLUSTER + " (Cluster); both '"
                    + given.get(0) + "' and '" + given.get(1) + "' are set");
        }
        String sentinels = params.get(REDIS_SENTINELS);
        String master = params.get(REDIS_SENTINEL_MASTER);
        if (sentinels != null) {
            if (master == null) {
                throw new ConfigurationException(REDIS_SENTINEL_MASTER, null,
                        "the master name the sentinels monitor (sentinel monitor <name> ...), required with " + REDIS_SENTINELS);
            }
            return RedisUrl.sentinel(REDIS_SENTINELS, sentinels, master);
        }
        if (master != null) {
            throw new ConfigurationException(REDIS_SENTINEL_MASTER, master, "only together with " + REDIS_SENTINELS);
        }
        if (params.get(REDIS_CLUSTER) != null) {
            return RedisUrl.cluster(REDIS_CLUSTER, params.get(REDIS_CLUSTER));
        }
        String url = params.get(REDIS_URL);
        String source = REDIS_URL;
        if (url == null && !isBlank(System.getProperty(REDIS_URL_PROPERTY))) {
            url = System.getProperty(REDIS_URL_PROPERTY).trim();
            source = "system property " + REDIS_URL_PROPERTY;
        }
        if (url == null && !isBlank(env.apply(REDIS_URL_ENV))) {
            url = env.apply(REDIS_URL_ENV).trim();
            source = "environment variable " + REDIS_URL_ENV;
        }
        return url == null ? null : RedisUrl.standalone(source, url);
    }

    private static void credentials(ConfigParams params, Function<String, String> env, RedisSettings.Builder settings) {
        String user = params.get(REDIS_USER);
        String passwordEnv = params.get(REDIS_PASSWORD_ENV);
        String passwordFile = params.get(REDIS_PASSWORD_FILE);
        if (passwordEnv != null && passwordFile != null) {
            throw new ConfigurationException(REDIS_PASSWORD_FILE, passwordFile,
                    "either " + REDIS_PASSWORD_ENV + " or " + REDIS_PASSWORD_FILE + ", not both");
        }
        if (user == null && passwordEnv == null && passwordFile == null) {
            return;
        }
        String fromUrl = settings.build().credentialsParameter();
        if (fromUrl != null) {
            String given = user != null ? REDIS_USER : passwordEnv != null ? REDIS_PASSWORD_ENV : REDIS_PASSWORD_FILE;
            throw new ConfigurationException(given, params.get(given), "credentials in one place only: the Redis URL"
                    + " from " + fromUrl + " already has user info");
        }
        String password = null;
        String parameter = REDIS_USER;
        String shown = user;
        if (passwordEnv != null) {
            password = secretFromEnv(env, REDIS_PASSWORD_ENV, passwordEnv);
            parameter = REDIS_PASSWORD_ENV;
            shown = passwordEnv;
        } else if (passwordFile != null) {
            password = secretFromFile(REDIS_PASSWORD_FILE, passwordFile);
            parameter = REDIS_PASSWORD_FILE;
            shown = passwordFile;
        }
        settings.credentials(user, password, parameter, shown);
    }

    private static void tls(ConfigParams params, Function<String, String> env, RedisSettings.Builder settings) {
        String truststore = params.get(REDIS_TRUSTSTORE);
        String keystore = params.get(REDIS_KEYSTORE);
        String truststorePasswordEnv = params.get(REDIS_TRUSTSTORE_PASSWORD_ENV);
        String keystorePasswordEnv = params.get(REDIS_KEYSTORE_PASSWORD_ENV);
        if (truststorePasswordEnv != null && truststore == null) {
            throw new ConfigurationException(REDIS_TRUSTSTORE_PASSWORD_ENV, truststorePasswordEnv, "only with " + REDIS_TRUSTSTORE);
        }
        if (keystorePasswordEnv != null && keystore == null) {
            throw new ConfigurationException(REDIS_KEYSTORE_PASSWORD_ENV, keystorePasswordEnv, "only with " + REDIS_KEYSTORE);
        }
        if (truststore == null && keystore == null) {
            return;
        }
        RedisSettings connection = settings.build();
        if (connection.topology() == RedisSettings.Topology.STANDALONE && !connection.tls()) {
            String given = truststore != null ? REDIS_TRUSTSTORE : REDIS_KEYSTORE;
            throw new ConfigurationException(given, params.get(given), "TLS settings need a rediss:// URL; "
                    + connection.parameter() + " is " + connection);
        }
        RedisTls stores = new RedisTls(truststore,
                truststorePasswordEnv == null ? null : secretFromEnv(env, REDIS_TRUSTSTORE_PASSWORD_ENV, truststorePasswordEnv),
                REDIS_TRUSTSTORE, keystore,
                keystorePasswordEnv == null ? null : secretFromEnv(env, REDIS_KEYSTORE_PASSWORD_ENV, keystorePasswordEnv),
                REDIS_KEYSTORE);
        settings.tlsStores(stores);
    }

    private static String secretFromEnv(Function<String, String> env, String parameter, String variable) {
        if (!variable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new ConfigurationException(parameter, variable, "the name of an environment variable holding the"
                    + " secret (letters, digits, '_'), never the secret itself");
        }
        String value = env.apply(variable);
        if (value == null || value.isEmpty()) {
            throw new ConfigurationException(parameter, variable, "the name of an environment variable holding the"
                    + " secret; it is not set or empty in this process");
        }
        return value;
    }

    private static String secretFromFile(String parameter, String path) {
        try {
            String value = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8);
            // A trailing newline is what editors and `echo` add, never part of a password.
            value = value.replaceAll("[\\r\\n]+$", "");
            if (value.isEmpty()) {
                throw new ConfigurationException(parameter, path, "a file holding the password; the file is empty");
            }
            return value;
        } catch (IOException e) {
            throw new ConfigurationException(parameter, path, "a readable file holding the password (" + e + ")", e);
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.trim().isEmpty();
    }
}
