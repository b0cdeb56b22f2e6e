package dev.ratelimit.core.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.live.LiveOverrides;
import dev.ratelimit.core.live.OverrideChange;
import dev.ratelimit.core.live.OverrideState;
import dev.ratelimit.core.live.OverrideStore;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The live overrides of one key prefix in Redis, shared by every instance: three hashes (policy overrides,
 * identity limits, blocks), a version counter and a change log of the last {@value LiveOverrides#CHANGE_LOG_LENGTH}
 * changes, all under the hash tag {@code {overrides}}; changes are announced on a channel. Keys:
 * {@code <prefix>:live:{overrides}:policies|identities|blocks|version|changes}; channel {@code <prefix>:live:overrides}.
 * Requests never reach it: instances read it at startup, on announcements and at the version check
 * ({@link OverrideWatcher}).
 */
public final class RedisOverrideStore implements OverrideStore {

    private static final LuaScript CHANGE = LuaScript.load("lua/override-change.lua");
    private static final LuaScript READ = LuaScript.load("lua/override-read.lua");

    private final LazyRedisClient connection;
    private final String keyPrefix;
    private final List<String> keys;
    private final String versionKey;
    private final String channel;
    private final Runnable onClose;
    private OverrideWatcher watcher;

    RedisOverrideStore(LazyRedisClient connection, String keyPrefix, Runnable onClose) {
        this.connection = connection;
        this.keyPrefix = keyPrefix;
        String base = keyPrefix + ":live:{overrides}:";
        this.keys = Collections.unmodifiableList(Arrays.asList(base + "policies", base + "identities", base + "blocks",
                base + "version", base + "changes"));
        this.versionKey = keys.get(3);
        this.channel = channel(keyPrefix);
        this.onClose = onClose;
    }

    /** The channel changes under this key prefix are announced on. */
    public static String channel(String keyPrefix) {
        return keyPrefix + ":live:overrides";
    }

    /** The keys, in the order the scripts take them: policies, identities, blocks, version, changes. */
    public List<String> keys() {
        return keys;
    }

    @Override
    public OverrideState read(long sinceVersion) {
        List<?> reply;
        try {
            reply = (List<?>) READ.run(connection.client(), keys, Collections.<String>emptyList());
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis " + connection + " did not answer: " + e.getMessage(), e);
        }
        long version = number(reply.get(0));
        Map<String, String> policies = pairs(reply.get(2));
        Map<String, String> identities = pairs(reply.get(3));
        Map<String, Long> blocks = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : pairs(reply.get(4)).entrySet()) {
            blocks.put(e.getKey(), Long.parseLong(e.getValue()));
        }
        List<OverrideChange> changes = new ArrayList<>();
        long oldest = Long.MAX_VALUE;
        for (Object entry : (List<?>) reply.get(5)) {
            String record = text(entry);
            int tab = record.indexOf('\t');
            long v = Long.parseLong(record.substring(0, tab));
            oldest = Math.min(oldest, v);
            if (v > sinceVersion) {
                changes.add(0, OverrideChange.parse(record.substring(tab + 1)));
            }
        }
        boolean complete = version == sinceVersion || oldest <= sinceVersion + 1;
        return new OverrideState(version, number(reply.get(1)), policies, identities, blocks, changes, complete);
    }

    @Override
    public long version() {
        try {
            String value = connection.client().get(versionKey);
            return value == null ? 0 : Long.parseLong(value);
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis " + connection + " did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public long apply(OverrideChange change, int maxIdentityEntries) {
        List<String> args = new ArrayList<>(8 + change.fields().size());
        args.add(change.action().op().name().toLowerCase(Locale.ROOT));
        args.add(Integer.toString(change.action().table().ordinal() + 1));
        args.add(change.value() == null ? "" : change.value());
        args.add(Integer.toString(maxIdentityEntries));
        args.add(change.record());
        args.add(Integer.toString(LiveOverrides.CHANGE_LOG_LENGTH));
        args.add(channel);
        args.addAll(change.fields());
        try {
            return number(CHANGE.run(connection.client(), keys, args));
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis " + connection + " did not take the change: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void watch(Runnable catchUp) {
        if (watcher == null) {
            watcher = new OverrideWatcher(connection, channel, catchUp);
        }
    }

    /** Whether the announcement channel is subscribed now (tests, and the ACL's proof). */
    public synchronized boolean subscribed() {
        return watcher != null && watcher.subscribed();
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public String describe() {
        return connection + " prefix " + keyPrefix;
    }

    @Override
    public void close() {
        OverrideWatcher w;
        synchronized (this) {
            w = watcher;
            watcher = null;
        }
        if (w != null) {
            w.close();
        }
        onClose.run();
    }

    private static Map<String, String> pairs(Object flat) {
        List<?> list = (List<?>) flat;
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < list.size(); i += 2) {
            map.put(text(list.get(i)), text(list.get(i + 1)));
        }
        return map;
    }

    private static String text(Object value) {
        return value instanceof byte[] ? new String((byte[]) value, StandardCharsets.UTF_8) : String.valueOf(value);
    }

    private static long number(Object value) {
        return value instanceof Number ? ((Number) value).longValue() : Long.parseLong(text(value));
    }
}
