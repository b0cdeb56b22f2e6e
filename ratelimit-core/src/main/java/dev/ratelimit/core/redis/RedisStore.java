package dev.ratelimit.core.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.PermitStore;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.Reservation;
import dev.ratelimit.core.SlidingWindowLog;
import dev.ratelimit.core.StoreCircuitBreaker;
import dev.ratelimit.core.StoreHealth;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.TokenBucketArithmetic;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.exceptions.JedisClusterException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Counters in Redis: one EVALSHA, one round trip per decision, time from Redis {@code TIME}. Works with
 * any {@link UnifiedJedis} (single node, Sentinel, Cluster). Calls pass the client's circuit breaker.
 * Closing it releases its lease on the shared client; the client closes with its last lease.
 */
public final class RedisStore implements RateLimitStore {

    private static final LuaScript FIXED_WINDOW = LuaScript.load("lua/fixed-window.lua");
    private static final LuaScript TOKEN_BUCKET = LuaScript.load("lua/token-bucket.lua");
    private static final LuaScript SLIDING_WINDOW = LuaScript.load("lua/sliding-window.lua");
    private static final LuaScript FIXED_WINDOW_RESERVE = LuaScript.load("lua/fixed-window-reserve.lua");
    private static final LuaScript TOKEN_BUCKET_RESERVE = LuaScript.load("lua/token-bucket-reserve.lua");
    private static final LuaScript SLIDING_WINDOW_RESERVE = LuaScript.load("lua/sliding-window-reserve.lua");
    private static final LuaScript FIXED_WINDOW_RETURN = LuaScript.load("lua/fixed-window-return.lua");
    private static final LuaScript TOKEN_BUCKET_RETURN = LuaScript.load("lua/token-bucket-return.lua");
    private static final LuaScript SLIDING_WINDOW_RETURN = LuaScript.load("lua/sliding-window-return.lua");

    private static final CommandObjects COMMANDS = new CommandObjects(RedisProtocol.RESP2);

    private final Supplier<UnifiedJedis> redis;
    private final String description;
    private final StoreCircuitBreaker breaker;
    private final Function<String, StoreCircuitBreaker> breakerForKey;
    private final ScriptCalls scripts;
    private volatile ScriptArgs lastArgs;
    private final Runnable onClose;

    /**
     * @param redis   gives the client, or throws {@link JedisConnectionException} while it cannot be built
     *                (a Sentinel or Cluster client that could not reach any node at startup)
     * @param scripts runs the scripts on that client (shared by every store on it, so calls coalesce)
     * @param onClose what closing this store does to the client (release a lease, or close it)
     */
    RedisStore(Supplier<UnifiedJedis> redis, ScriptCalls scripts, String description, StoreCircuitBreaker breaker,
               Runnable onClose) {
        this(redis, scripts, description, breaker, key -> breaker, onClose);
    }

    /**
     * @param breakerForKey the breaker a call on this key passes: {@code breaker} itself, or on a Redis
     *                      Cluster that of the key's node ({@link ClusterBreakers})
     */
    RedisStore(Supplier<UnifiedJedis> redis, ScriptCalls scripts, String description, StoreCircuitBreaker breaker,
               Function<String, StoreCircuitBreaker> breakerForKey, Runnable onClose) {
        this.breakerForKey = breakerForKey;
        this.redis = redis;
        this.scripts = scripts;
        this.description = description;
        this.breaker = breaker;
        this.onClose = onClose;
    }

    @Override
    public Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
        return acquire(algorithm, keys, limits, cost, null);
    }

    @Override
    public Decision acquire(Policy policy, List<String> keys) {
        return acquire(policy.algorithm(), keys, policy.limits(), policy.cost(), policy);
    }

    /** @param policy the decision's {@link Decision#policy()}, or null */
    private Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost, Policy policy) {
        if (algorithm == Algorithm.CONCURRENCY) {
            throw new IllegalArgumentException("concurrency is counted by a PermitStore, not a RateLimitStore");
        }
        ScriptArgs args = cachedArgs(algorithm, limits, cost);
        if (algorithm == Algorithm.FIXED_WINDOW) {
            return fixedWindowDecision(call(FIXED_WINDOW, keys, args.args), limits, policy);
        }
        if (algorithm == Algorithm.SLIDING_WINDOW) {
            return under(policy, slidingWindowDecision(call(SLIDING_WINDOW, keys, args.args), limits));
        }
        return tokenBucketDecision(call(TOKEN_BUCKET, keys, args.args), limits, args.costMicros, policy);
    }

    private static Decision under(Policy policy, Decision decision) {
        return policy == null ? decision : decision.decidedBy(policy);
    }

    /** One script call for up to {@code units} requests; each script documents its KEYS, ARGV and reply. */
    @Override
    public Reservation reserve(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost, long units,
                               long holdMillis) {
        int n = limits.size();
        List<String> args = new ArrayList<>(3 + 2 * n);
        if (algorithm == Algorithm.FIXED_WINDOW) {
            args.add(Long.toString(cost));
            args.add(Long.toString(units));
            addPermitsAndWindows(args, limits);
            List<?> values = reply(call(FIXED_WINDOW_RESERVE, keys, args), 7 + n);
            long now = number(values, 6);
            long[] ends = new long[n];
            long hold = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                long ttl = number(values, 7 + i);
                ends[i] = now + ttl;
                hold = Math.min(hold, ttl);
            }
            return new Reservation(number(values, 0), fixedWindowDecision(values.subList(1, 7), limits, null), ends,
                    Math.min(hold, holdMillis));
        }
        if (algorithm == Algorithm.SLIDING_WINDOW) {
            args.add(Long.toString(cost));
            args.add(Long.toString(units));
            args.add(Long.toString(holdMillis));
            addPermitsAndWindows(args, limits);
            List<?> values = reply(call(SLIDING_WINDOW_RESERVE, keys, args), 3 + 4 * n);
            long[] stamps = new long[n];
            for (int i = 0; i < n; i++) {
                stamps[i] = number(values, 3 + 3 * n + i);
            }
            return new Reservation(number(values, 0), slidingWindowDecision(values.subList(1, 3 + 3 * n), limits),
                    stamps, holdMillis);
        }
        if (algorithm != Algorithm.TOKEN_BUCKET) {
            throw new IllegalArgumentException(algorithm + " takes no reservations");
        }
        long[] costMicros = new long[n];
        args.add(Long.toString(units));
        args.add(Long.toString(TokenBucketArithmetic.heldMillis(holdMillis)));
        for (int i = 0; i < n; i++) {
            costMicros[i] = TokenBucketArithmetic.costMicros(limits.get(i), cost);
            args.add(Long.toString(TokenBucketArithmetic.windowMicros(limits.get(i))));
            args.add(Long.toString(costMicros[i]));
        }
        List<?> values = reply(call(TOKEN_BUCKET_RESERVE, keys, args), 4 + n);
        long granted = number(values, 0);
        long held = number(values, 3 + n);
        return new Reservation(granted, tokenBucketDecision(values.subList(1, 3 + n), limits, costMicros, null),
                TokenBucketArithmetic.reservationTops(number(values, 2), held, granted, costMicros), held);
    }

    @Override
    public void giveBack(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost,
                         Reservation reservation, long units) {
        if (units <= 0) {
            return;
        }
        int n = limits.size();
        List<String> args = new ArrayList<>(1 + 2 * n);
        if (algorithm == Algorithm.FIXED_WINDOW || algorithm == Algorithm.SLIDING_WINDOW) {
            // Both find the permits by their mark: the counter's end, or the time they were logged at.
            args.add(Long.toString(units * cost));
            for (int i = 0; i < n; i++) {
                args.add(Long.toString(reservation.mark(i)));
            }
            call(algorithm == Algorithm.FIXED_WINDOW ? FIXED_WINDOW_RETURN : SLIDING_WINDOW_RETURN, keys, args);
        } else if (algorithm == Algorithm.TOKEN_BUCKET) {
            args.add(Long.toString(TokenBucketArithmetic.LONGEST_HOLD_MILLIS));
            for (int i = 0; i < n; i++) {
                args.add(Long.toString(units * TokenBucketArithmetic.costMicros(limits.get(i), cost)));
                args.add(Long.toString(reservation.mark(i)));
            }
            call(TOKEN_BUCKET_RETURN, keys, args);
        } else {
            throw new IllegalArgumentException(algorithm + " takes no reservations");
        }
    }

    private static void addPermitsAndWindows(List<String> args, List<Limit> limits) {
        for (Limit limit : limits) {
            args.add(Long.toString(limit.permits()));
            args.add(Long.toString(limit.windowMillis()));
        }
    }

    /**
     * The script's arguments for these limits and cost. A store usually serves one policy, whose limits
     * list is the same object on every request: its arguments are built once, not per decision.
     */
    private ScriptArgs cachedArgs(Algorithm algorithm, List<Limit> limits, long cost) {
        ScriptArgs last = lastArgs;
        if (last != null && last.algorithm == algorithm && last.limits == limits && last.cost == cost) {
            return last;
        }
        ScriptArgs built = new ScriptArgs(algorithm, limits, cost);
        lastArgs = built;
        return built;
    }

    /**
     * What the script of the algorithm reads in ARGV (each script documents its own): for the fixed
     * and the sliding window the cost, then permits and window (ms) per limit; for the token bucket the window and the
     * request's cost, both in µs, per limit.
     */
    public static List<String> scriptArgs(Algorithm algorithm, List<Limit> limits, long cost) {
        return new ScriptArgs(algorithm, limits, cost).args;
    }

    private static final class ScriptArgs {
        final Algorithm algorithm;
        final List<Limit> limits;
        final long cost;
        final long[] costMicros;
        final List<String> args;

        ScriptArgs(Algorithm algorithm, List<Limit> limits, long cost) {
            this.algorithm = algorithm;
            this.limits = limits;
            this.cost = cost;
            this.costMicros = new long[limits.size()];
            List<String> built = new ArrayList<>(1 + 2 * limits.size());
            if (algorithm != Algorithm.TOKEN_BUCKET) {
                built.add(Long.toString(cost));
                for (Limit limit : limits) {
                    built.add(Long.toString(limit.permits()));
                    built.add(Long.toString(limit.windowMillis()));
                }
            } else {
                for (int i = 0; i < limits.size(); i++) {
                    costMicros[i] = TokenBucketArithmetic.costMicros(limits.get(i), cost);
                    built.add(Long.toString(TokenBucketArithmetic.windowMicros(limits.get(i))));
                    built.add(Long.toString(costMicros[i]));
                }
            }
            this.args = Collections.unmodifiableList(built);
        }
    }

    /**
     * The concurrency limiter's permits on this store's client, breaker and script calls; usable while
     * this store is open.
     */
    public PermitStore permits() {
        return new RedisPermitStore(this);
    }

    /**
     * Whether the client is a Redis Cluster client, whose script calls must keep to one slot each. Not
     * through the breaker: no Redis call, so neither a success nor a probe of a half-open breaker.
     */
    boolean clustered() {
        try {
            return redis.get() instanceof RedisClusterClient;
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis " + description + " did not answer: " + e.getMessage(), e);
        }
    }

    /** As {@link #throughBreaker}, written out: this runs on every decision, and a lambda per call would allocate. */
    Object call(LuaScript script, List<String> keys, List<String> args) {
        StoreCircuitBreaker breaker = admitted(keys.get(0));
        boolean answered = false;
        try {
            Object reply = retryingTryAgain(script, keys, args);
            answered = true;
            return reply;
        } catch (JedisException e) {
            answered = clusterStateAnswer(e);
            throw unanswered(e);
        } finally {
            record(breaker, answered);
        }
    }

    /** Attempts of a script call answered {@code TRYAGAIN}, and the pause between them. */
    static final int TRY_AGAIN_ATTEMPTS = 5;
    static final long TRY_AGAIN_PAUSE_MILLIS = 10;

    /**
     * Runs a call again, up to {@link #TRY_AGAIN_ATTEMPTS} times, while a Redis Cluster node answers
     * {@code TRYAGAIN}: the keys of a multi-limit script are half moved by a resharding (some on the old
     * node, some on the new). Safe: Redis refused the script before running it. Jedis follows MOVED and
     * ASK by itself, but not this. The pauses (50 ms at most) stay well inside a call's budget.
     */
    private Object retryingTryAgain(LuaScript script, List<String> keys, List<String> args) {
        for (int attempt = 1; ; attempt++) {
            try {
                return scripts.run(script, keys, args);
            } catch (JedisDataException e) {
                if (attempt >= TRY_AGAIN_ATTEMPTS || !isTryAgain(e)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(TRY_AGAIN_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JedisDataException("TRYAGAIN (interrupted while waiting to try again)");
            }
        }
    }

    private static boolean isTryAgain(JedisException e) {
        return e instanceof JedisDataException && e.getMessage() != null && e.getMessage().startsWith("TRYAGAIN");
    }

    /**
     * Runs one Redis call if the breaker lets it, and tells the breaker how it went, whatever it throws:
     * a permit taken and never given back would keep a half-open breaker from ever closing.
     */
    private <T> T throughBreaker(String key, Supplier<T> redisCall) {
        StoreCircuitBreaker breaker = admitted(key);
        boolean answered = false;
        try {
            T reply = redisCall.get();
            answered = true;
            return reply;
        } catch (JedisException e) {
            answered = clusterStateAnswer(e);
            throw unanswered(e);
        } finally {
            record(breaker, answered);
        }
    }

    /** The breaker a call on this key passes, with a permit taken; throws when it is open. */
    private StoreCircuitBreaker admitted(String key) {
        StoreCircuitBreaker breaker = breakerForKey.apply(key);
        if (!breaker.tryAcquire()) {
            throw new StoreUnavailableException("Redis " + description + ": circuit breaker open", null);
        }
        return breaker;
    }

    private StoreUnavailableException unanswered(JedisException e) {
        return new StoreUnavailableException("Redis " + description + " did not answer: " + e.getMessage(), e);
    }

    private static void record(StoreCircuitBreaker breaker, boolean answered) {
        if (answered) {
            breaker.recordSuccess();
        } else {
            breaker.recordFailure();
        }
    }

    /**
     * A Redis Cluster node that refuses a call for a while by the cluster's state ({@code CLUSTERDOWN} while a
     * failed master's slots have no owner, {@code TRYAGAIN} while a slot migrates) answered at once: the call
     * gets its failure mode, but the node's breaker must not open, or the node would be skipped for
     * {@code breaker-open} long after the cluster is whole again.
     */
    private static boolean clusterStateAnswer(JedisException e) {
        return e instanceof JedisClusterException || isTryAgain(e);
    }

    private Decision fixedWindowDecision(Object reply, List<Limit> limits, Policy policy) {
        List<?> values = reply(reply, 6);
        boolean allowed = number(values, 0) == 1;
        int bind = (int) number(values, 1) - 1;
        Limit binding = limits.get(bind);
        long remaining = number(values, 2);
        long untilReset = number(values, 3);
        long wait = number(values, 4);
        long now = number(values, 5);
        return allowed
                ? Decision.allowed(binding.permits(), remaining, now + untilReset, DecisionSource.REDIS, bind, untilReset, policy)
                : Decision.denied(binding.permits(), remaining, now + untilReset, wait, DecisionSource.REDIS, bind, untilReset, policy);
    }

    private Decision slidingWindowDecision(Object reply, List<Limit> limits) {
        int n = limits.size();
        List<?> values = reply(reply, 2 + 3 * n);
        long[] counts = new long[n];
        long[] resets = new long[n];
        long[] waits = new long[n];
        for (int i = 0; i < n; i++) {
            counts[i] = number(values, 2 + 3 * i);
            resets[i] = number(values, 3 + 3 * i);
            waits[i] = number(values, 4 + 3 * i);
        }
        return SlidingWindowLog.decide(limits, counts, resets, waits, number(values, 0) == 1, number(values, 1),
                DecisionSource.REDIS);
    }

    private Decision tokenBucketDecision(Object reply, List<Limit> limits, long[] costMicros, Policy policy) {
        List<?> values = reply(reply, 2 + limits.size());
        if (limits.size() == 1) {
            return TokenBucketArithmetic.decide(limits.get(0), costMicros[0], number(values, 2), number(values, 0) == 1,
                    number(values, 1), DecisionSource.REDIS, policy);
        }
        long[] debts = new long[limits.size()];
        for (int i = 0; i < debts.length; i++) {
            debts[i] = number(values, 2 + i);
        }
        return under(policy, TokenBucketArithmetic.decide(limits, costMicros, debts, number(values, 0) == 1,
                number(values, 1), DecisionSource.REDIS));
    }

    private static List<?> reply(Object reply, int size) {
        if (!(reply instanceof List) || ((List<?>) reply).size() != size) {
            throw new StoreUnavailableException("Unexpected reply from Redis script: " + reply, null);
        }
        return (List<?>) reply;
    }

    private static long number(List<?> values, int index) {
        return ((Number) values.get(index)).longValue();
    }

    /**
     * {@code SET key 1 NX PX ttl}, through the breaker. Never retried: if a first attempt reached Redis
     * before its connection broke, a retry would see the key and call a first delivery a replay.
     */
    @Override
    public boolean remember(String key, long ttlMillis) {
        return throughBreaker(key, () -> redis.get().set(key, "1", SetParams.setParams().nx().px(ttlMillis)) != null);
    }

    @Override
    public void reset(List<String> keys) {
        // Through the breaker too: a webhook delivery forgotten while Redis is away must not wait out a timeout.
        throughBreaker(keys.isEmpty() ? "" : keys.get(0), () -> redis.get().del(keys.toArray(new String[0])));
    }

    @Override
    public List<String> keysMatching(String pattern) {
        ScanParams params = new ScanParams().match(pattern).count(1000);
        try {
            UnifiedJedis client = redis.get();
            if (!(client instanceof RedisClusterClient)) {
                return new ArrayList<>(scan(cursor -> client.scan(cursor, params)));
            }
            // SCAN sees one node's keys: ask every node (a replica repeats its master's keys; the set drops them).
            Set<String> keys = new LinkedHashSet<>();
            for (ConnectionPool pool : ((RedisClusterClient) client).getClusterNodes().values()) {
                try (Connection connection = pool.getResource()) {
                    keys.addAll(scan(cursor -> connection.executeCommand(COMMANDS.scan(cursor, params))));
                }
            }
            return new ArrayList<>(keys);
        } catch (JedisException e) {
            throw new StoreUnavailableException("Redis " + description + " did not answer: " + e.getMessage(), e);
        }
    }

    private static Set<String> scan(Function<String, ScanResult<String>> pages) {
        Set<String> keys = new LinkedHashSet<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = pages.apply(cursor);
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
        return keys;
    }

    @Override
    public StoreHealth health() {
        return probe(redis, breaker, description);
    }

    /** One PING, outside the breaker (a probe must see Redis even while the breaker is open). */
    public static StoreHealth probe(UnifiedJedis redis, StoreCircuitBreaker breaker, String description) {
        return probe(() -> redis, breaker, description);
    }

    /** As {@link #probe(UnifiedJedis, StoreCircuitBreaker, String)}, for a client built on first use. */
    public static StoreHealth probe(Supplier<UnifiedJedis> redis, StoreCircuitBreaker breaker, String description) {
        long start = System.nanoTime();
        try {
            redis.get().ping();
            return new StoreHealth(true, (System.nanoTime() - start) / 1_000, breaker.state(), description);
        } catch (JedisException e) {
            return new StoreHealth(false, (System.nanoTime() - start) / 1_000, breaker.state(),
                    description + ": " + e.getMessage());
        }
    }

    /** How this store's script calls reach Redis (shared by every store on the client). */
    ScriptCalls scripts() {
        return scripts;
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
