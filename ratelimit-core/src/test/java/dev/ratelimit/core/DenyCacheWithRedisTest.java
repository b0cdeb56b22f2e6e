package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisStore;
import dev.ratelimit.core.redis.RedisUrl;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedisExtension;

/** Blocked identities are denied without asking Redis, and admitted again exactly when Redis would. */
class DenyCacheWithRedisTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static RedisClients clients;
    private static RedisStore store;

    @BeforeAll
    static void connect() {
        clients = new RedisClients();
        store = clients.open(RedisUrl.standalone("redis-url", REDIS.url()).timeouts(2_000, 2_000).build());
    }

    @AfterAll
    static void disconnect() {
        store.close();
        clients.close();
    }

    private static long scriptCalls() {
        String stats = REDIS.redis().command("INFO", "commandstats");
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:")) {
                return Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1"));
            }
        }
        return 0;
    }

    @Test
    void denies_a_blocked_identity_locally_until_redis_would_admit_it() throws InterruptedException {
        Policy policy = Policy.builder("p").algorithm(Algorithm.TOKEN_BUCKET).limits(Limit.parseAll("limits", "2/400ms")).build();
        RateLimiter limiter = new RateLimiter(policy, store, null);
        FakeRequest request = new FakeRequest();
        limiter.acquire(request);
        limiter.acquire(request);
        assertThat(limiter.acquire(request).allowed()).isFalse();
        long callsAfterFirstDenial = scriptCalls();
        for (int i = 0; i < 50; i++) {
            assertThat(limiter.acquire(request).allowed()).isFalse();
        }
        assertThat(scriptCalls()).as("no Redis call while blocked").isEqualTo(callsAfterFirstDenial);
        Thread.sleep(250);
        assertThat(limiter.acquire(request).allowed()).as("one token back after 200 ms").isTrue();
    }

    @Test
    void forgets_a_local_denial_when_the_identity_is_reset() {
        Policy policy = Policy.builder("reset").limits(Limit.parseAll("limits", "1/1h")).build();
        RateLimiter limiter = new RateLimiter(policy, store, null);
        FakeRequest request = new FakeRequest();
        limiter.acquire(request);
        assertThat(limiter.acquire(request).allowed()).isFalse();
        limiter.reset(request);
        assertThat(limiter.acquire(request).allowed()).isTrue();
    }
}
