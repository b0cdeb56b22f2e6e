package dev.ratelimit.core.redis;

import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.StoreCircuitBreaker;
import dev.ratelimit.core.StoreHealth;
import dev.ratelimit.core.StoreUnavailableException;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Counters in Redis: one EVALSHA, one round trip per decision, time from Redis {@code TIME}. Works with
 * any {@link UnifiedJedis} (single node, Sentinel, Cluster). Calls pass the client's circuit breaker.
 * Closing it releases its lease on the shared client; the client closes with its last lease.
 */
public final class RedisStore implements RateLimitStore {

    private static final LuaScript FIXED_WINDOW = LuaScript.load("lua/fixed-window.lua");
    private static final LuaScript TOKEN_BUCKET = LuaScript.load("lua/token-bucket.lua");

    private final UnifiedJedis redis;
    private final String description;
    private final StoreCircuitBreaker breaker;
    private final Runnable discardIdleConnections;
    private final Runnable onClose;

    /**
     * @param discardIdleConnections drops pooled idle connections (after Redis restarted they are all dead)
     * @param onClose                what closing this store does to the client (release a lease, or close it)
     */
    public RedisStore(UnifiedJedis redis, String description, StoreCircuitBreaker breaker,
                      Runnable discardIdleConnections, Runnable onClose) {
        this.redis = redis;
        this.description = description;
        this.breaker = breaker;
        this.discardIdleConnections = discardIdleConnections;
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
        return toDecision(call(script, keys, args), limits);
    }

    private Object call(LuaScript script, List<String> keys, List<String> args) {
        if (!breaker.tryAcquire()) {
            throw new StoreUnavailableException("Redis " + description + ": circuit breaker open", null);
        }
        try {
            Object reply = runOnLiveConnection(script, keys, args);
            breaker.recordSuccess();
            return reply;
        } catch (JedisException | StoreUnavailableException e) {
            breaker.recordFailure();
            throw e instanceof StoreUnavailableException ? (StoreUnavailableException) e
                    : new StoreUnavailableException("Redis " + description + " did not answer: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            breaker.recordFailure();
            throw e;
        }
    }

    /**
     * A connection that broke at once (reset, closed: Redis restarted) is not Redis' fault now: drop the
     * pool's idle connections, which died with it, and try once more. A timeout is not retried: that
     * would double the wait.
     */
    private Object runOnLiveConnection(LuaScript script, List<String> keys, List<String> args) {
        try {
            return script.run(redis, keys, args);
        } catch (JedisConnectionException e) {
            if (isTimeout(e)) {
                throw e;
            }
            discardIdleConnections.run();
            return script.run(redis, keys, args);
        }
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
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

    /** One PING, outside the breaker (a probe must see Redis even while the breaker is open). */
    @Override
    public StoreHealth health() {
        long start = System.nanoTime();
        try {
            redis.ping();
            return new StoreHealth(true, (System.nanoTime() - start) / 1_000, breaker.state(), description);
        } catch (JedisException e) {
            return new StoreHealth(false, (System.nanoTime() - start) / 1_000, breaker.state(),
                    description + ": " + e.getMessage());
        }
    }

    /** The breaker shared by every store on this client. */
    public StoreCircuitBreaker breaker() {
        return breaker;
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
