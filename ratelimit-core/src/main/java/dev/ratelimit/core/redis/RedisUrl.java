package dev.ratelimit.core.redis;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.redis.RedisSettings.Topology;

/**
 * Parses a Redis URL ({@code redis-url}) or a list of nodes ({@code redis-sentinels}, {@code redis-cluster})
 * into the start of {@link RedisSettings}. Messages show the text masked ({@link UrlMask}), never a password.
 */
public final class RedisUrl {

    public static final String URL_ACCEPTED = "redis://[user:password@]host[:port][/database] or rediss://… for TLS";
    /** Why a URL with a password in it often fails to parse, and the cure. */
    private static final String ENCODE_HINT = "percent-encode '%', '@', '/', ':', '?', '#' and spaces in the"
            + " user and password, e.g. %40 for '@'";
    public static final String NODES_ACCEPTED = "a comma-separated list of host:port, e.g. 'redis-1:26379, redis-2:26379'"
            + " (each may start with redis:// or rediss:// for TLS)";

    private RedisUrl() {
    }

    /**
     * One node, with the user, password, database and TLS the URL gives.
     *
     * @param parameter the parameter that held the URL, for error messages
     */
    public static RedisSettings.Builder standalone(String parameter, String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            // Not attached as the cause: its message is the whole URL, password included.
            throw refused(parameter, url, e.getReason() + " at index " + e.getIndex() + "; " + ENCODE_HINT);
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme) || uri.getHost() == null) {
            throw refused(parameter, url, ENCODE_HINT);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw refused(parameter, url, "no '?' or '#' part; " + ENCODE_HINT);
        }
        String shown = UrlMask.mask(url);
        RedisSettings.Builder settings = RedisSettings.builder()
                .topology(Topology.STANDALONE, parameter)
                .nodes(Collections.singletonList(uri.getHost() + ":" + (uri.getPort() == -1 ? 6379 : uri.getPort())))
                .tls("rediss".equals(scheme), parameter, shown);
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            String user = colon < 0 ? null : decode(parameter, url, info.substring(0, colon));
            String password = decode(parameter, url, colon < 0 ? info : info.substring(colon + 1));
            settings.credentials(user == null || user.isEmpty() ? null : user, password, parameter, shown);
        }
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            String db = path.substring(1);
            if (!db.matches("\\d{1,5}")) {
                throw refused(parameter, url, "database is a number");
            }
            settings.database(Integer.parseInt(db));
        }
        return settings;
    }

    /**
     * The master named {@code master}, found through the given sentinels.
     *
     * @param parameter the parameter that held the sentinel list, for error messages
     */
    public static RedisSettings.Builder sentinel(String parameter, String sentinels, String master) {
        return nodes(Topology.SENTINEL, parameter, sentinels).master(master);
    }

    /**
     * A Redis Cluster discovered from the given seed nodes (any one that answers is enough).
     *
     * @param parameter the parameter that held the seed list, for error messages
     */
    public static RedisSettings.Builder cluster(String parameter, String seeds) {
        return nodes(Topology.CLUSTER, parameter, seeds);
    }

    private static RedisSettings.Builder nodes(Topology topology, String parameter, String list) {
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
                throw new ConfigurationException(parameter, UrlMask.mask(list), NODES_ACCEPTED);
            }
            if (tls != null && tls != secure) {
                throw new ConfigurationException(parameter, UrlMask.mask(list), NODES_ACCEPTED + "; either all entries use rediss:// or none");
            }
            tls = secure;
            if (!nodes.contains(node)) {
                nodes.add(node);
            }
        }
        if (nodes.isEmpty()) {
            // "," splits into nothing at all
            throw new ConfigurationException(parameter, UrlMask.mask(list), NODES_ACCEPTED);
        }
        return RedisSettings.builder()
                .topology(topology, parameter)
                .nodes(nodes)
                .tls(tls != null && tls, parameter, UrlMask.mask(list));
    }

    private static ConfigurationException refused(String parameter, String url, String why) {
        return new ConfigurationException(parameter, UrlMask.mask(url), URL_ACCEPTED + " (" + why + ")");
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
                    throw refused(parameter, url, ENCODE_HINT);
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
            throw refused(parameter, url, "user and password percent-encoded as UTF-8");
        }
    }
}
