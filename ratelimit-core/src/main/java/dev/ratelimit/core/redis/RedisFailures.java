package dev.ratelimit.core.redis;

import java.security.cert.CertificateException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLException;

import dev.ratelimit.core.ConfigurationException;

/**
 * Tells a wrong configuration (refused credentials, missing ACL permissions, an untrusted certificate, an
 * unknown Sentinel master) from Redis simply not answering, and words it for the operator.
 */
final class RedisFailures {

    private RedisFailures() {
    }

    /** The configuration error behind {@code failure}, or null when Redis was just not reachable. */
    static ConfigurationException configurationProblem(RedisSettings settings, Throwable failure) {
        for (Throwable t : causes(failure)) {
            String message = String.valueOf(t.getMessage());
            String upper = message.toUpperCase(Locale.ROOT);
            if (upper.startsWith("WRONGPASS") || upper.startsWith("NOAUTH") || upper.contains("INVALID PASSWORD")
                    || upper.contains("INVALID USERNAME-PASSWORD")) {
                return credentials(settings, "Redis " + settings + " refused the credentials"
                        + (settings.user() == null ? " (no " + RedisParams.REDIS_USER + " set: the default user)" : " of user '"
                        + settings.user() + "'") + ": " + message, t);
            }
            if (upper.startsWith("NOPERM")) {
                return credentials(settings, "Redis " + settings + " accepted user '" + settings.user()
                        + "' but refused it a command the limiter needs (see the minimal ACL in src/docs/redis.md): " + message, t);
            }
            if (t instanceof SSLException || t instanceof CertificateException) {
                return new ConfigurationException(settings.tlsParameter(), settings.tlsValue(), "Redis " + settings
                        + " presented a TLS certificate that "
                        + (settings.stores() != null && settings.stores().hasTruststore() ? "this trust store"
                        : "the JVM's default trust store (set " + RedisParams.REDIS_TRUSTSTORE + ")")
                        + " does not trust, or whose host name does not match, or the TLS handshake failed: " + message, t);
            }
            if (message.contains("seems to be not monitored") || message.contains("is not monitored")) {
                return new ConfigurationException(RedisParams.REDIS_SENTINEL_MASTER, settings.master(),
                        "the name of a master the sentinels monitor; " + message, t);
            }
        }
        return null;
    }

    private static ConfigurationException credentials(RedisSettings settings, String problem, Throwable cause) {
        String parameter = settings.credentialsParameter() != null ? settings.credentialsParameter()
                : RedisParams.REDIS_PASSWORD_ENV;
        return new ConfigurationException(parameter, settings.credentialsValue(), problem, cause);
    }

    /** The first line of the failure and of its causes, without repeating. */
    static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t : causes(failure)) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (text.indexOf(message) < 0) {
                text.append(text.length() == 0 ? "" : "; ").append(message);
            }
        }
        return text.toString();
    }

    /** The failure, its causes and suppressed exceptions (a Cluster client suppresses one per seed node). */
    private static Iterable<Throwable> causes(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        Deque<Throwable> todo = new ArrayDeque<>();
        todo.add(failure);
        List<Throwable> all = new ArrayList<>();
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (seen.put(t, Boolean.TRUE) != null) {
                continue;
            }
            all.add(t);
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            for (Throwable s : t.getSuppressed()) {
                todo.add(s);
            }
        }
        return all;
    }
}
