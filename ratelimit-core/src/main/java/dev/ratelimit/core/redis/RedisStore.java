package dev.ratelimit.core.redis;

import java.util.ArrayList;
import java.util.List;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.StoreUnavailableException;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Counters in Redis: one EVALSHA, one round trip per decision, time from Redis {@code TIME}. Works with
 * any {@link UnifiedJedis} (single node, Sentinel, Cluster). Closing it releases its lease on the
 * shared client; the client closes with its last lease.
 */
public final class RedisStore implements RateLimitStore {

    private static final LuaScript FIXED_WINDOW = LuaScript.load("lua/fixed-window.lua");
    private static final LuaScript TOKEN_BUCKET = LuaScript.load("lua/token-bucket.lua");

    private final UnifiedJedis redis;
    private final String description;
    private final Runnable onClose;

    /**
     * @param onClose what closing this store does to the client (release a shared lease, or close it)
     */
    public RedisStore(UnifiedJedis redis, String description, Runnable onClose) {
        this.redis = redis;
        this.description = description;
        this.onClose = onClose;
    }

    @Override
    public Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
        List<String> args = new ArrayList<>(1 + 2 * limits.size());
        args.add(Long.toString(cost));
        for (Limit limit : limits) {
            args.add(Long.toString(limit.permits()));
            args.add(Long.toString(limit.windowMillis()));
        }
        LuaScript script = algorithm == Algorithm.FIXED_WINDOW ? FIXED_WINDOW : TOKEN_BUCKET;
        Object reply;
        try {
            reply = script.run(redis, keys, args);
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis " + description + " did not answer: " + e.getMessage(), e);
        }
        return toDecision(reply, limits);
    }

    private Decision toDecision(Object reply, List<Limit> limits) {
        if (!(reply instanceof List) || ((List<?>) reply).size() != 6) {
            throw new StoreUnavailableException("Unexpected reply from Redis script: " + reply, null);
        }
        List<?> values = (List<?>) reply;
        boolean allowed = number(values, 0) == 1;
        Limit binding = limits.get((int) number(values, 1) - 1);
        long remaining = number(values, 2);
        long untilReset = number(values, 3);
        long wait = number(values, 4);
        long now = number(values, 5);
        return allowed
                ? Decision.allowed(binding.permits(), remaining, now + untilReset, DecisionSource.REDIS)
                : Decision.denied(binding.permits(), remaining, now + untilReset, wait, DecisionSource.REDIS);
    }

    private static long number(List<?> values, int index) {
        return ((Number) values.get(index)).longValue();
    }

    @Override
    public void reset(List<String> keys) {
        try {
            redis.del(keys.toArray(new String[0]));
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis " + description + " did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        onClose.run();
    }
}
