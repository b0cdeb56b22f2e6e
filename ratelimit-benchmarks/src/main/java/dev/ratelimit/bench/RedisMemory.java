package dev.ratelimit.bench;

import java.util.List;

import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisStore;
import dev.ratelimit.testing.TestRedis;
import redis.clients.jedis.RedisClient;

/**
 * Redis memory per tracked identity: FLUSHALL, then one request (or {@code requestsPerIdentity}) for each of
 * {@link Identities#COUNT} clients through the engine; (used_memory after − before) / clients, and
 * {@code MEMORY USAGE} of one key.
 */
final class RedisMemory {

    /** @param perIdentity used_memory delta per client; @param memoryUsage MEMORY USAGE of one key (bytes) */
    record Footprint(String label, double perIdentity, long memoryUsage, int keysPerIdentity, String sampleKey) {
    }

    private RedisMemory() {
    }

    static Footprint measure(TestRedis redis, String label, String algorithm, String limits) {
        return measure(redis, label, algorithm, limits, 1);
    }

    /** @param requestsPerIdentity requests of each client, e.g. a sliding window's full log */
    static Footprint measure(TestRedis redis, String label, String algorithm, String limits, int requestsPerIdentity) {
        try (RedisClients clients = new RedisClients(); RedisClient raw = BenchRedis.rawClient()) {
            RedisStore store = clients.open(BenchRedis.settings());
            RateLimiter limiter = new RateLimiter(Policies.of(algorithm, limits), store, null);
            BenchRequest[] requests = Identities.requests(Identities.COUNT);
            limiter.acquire(requests[0]); // connections, script cache: not per identity
            redis.flushAll();
            long before = RedisStats.usedMemory(raw);
            for (int i = 0; i < requestsPerIdentity; i++) {
                for (BenchRequest request : requests) {
                    limiter.acquire(request);
                }
            }
            long after = RedisStats.usedMemory(raw);
            List<String> keys = limiter.policy().keyLayout().keysFor(requests[1]);
            long usage = Long.parseLong(redis.command("MEMORY", "USAGE", keys.get(0), "SAMPLES", "0").trim());
            store.close();
            return new Footprint(label, (after - before) / (double) requests.length, usage, keys.size(), keys.get(0));
        }
    }
}
