package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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

    /**
     * Found by the RESTEasy run of RateLimitedContract#a_named_policy_is_changed_through_the_policy_file (1 in
     * several): a request denied under the old limits put its denial in the cache just after the reload had
     * cleared it, and the raised limits were never seen until the old window ended.
     */
    @Test
    void a_denial_decided_under_the_old_policy_is_not_served_under_the_new_one() throws Exception {
        Policy old = Policy.builder("raised").limits(Limit.parseAll("limits", "1/1h")).build();
        CountDownLatch denied = new CountDownLatch(1);
        CountDownLatch reconfigured = new CountDownLatch(1);
        RateLimitStore held = new HeldStore(store, denied, reconfigured);
        RateLimiter limiter = new RateLimiter(old, held, null);
        FakeRequest request = new FakeRequest();
        assertThat(limiter.acquire(request).allowed()).isTrue();
        CompletableFuture<Decision> inFlight = CompletableFuture.supplyAsync(() -> limiter.acquire(request));
        assertThat(denied.await(20, TimeUnit.SECONDS)).as("Redis denied the in-flight request").isTrue();
        limiter.reconfigure(old.withLimits(Limit.parseAll("limits", "5/1h")));
        reconfigured.countDown();
        assertThat(inFlight.get(20, TimeUnit.SECONDS).allowed()).as("denied under the old limits").isFalse();

        Decision next = limiter.acquire(request);
        assertThat(next.allowed()).as("the raised limits apply at once").isTrue();
        assertThat(next.limit()).isEqualTo(5);
    }

    /** Redis, but the first denial waits for the test before it is returned. */
    private static final class HeldStore implements RateLimitStore {
        private final RateLimitStore redis;
        private final CountDownLatch denied;
        private final CountDownLatch release;

        HeldStore(RateLimitStore redis, CountDownLatch denied, CountDownLatch release) {
            this.redis = redis;
            this.denied = denied;
            this.release = release;
        }

        @Override
        public Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
            Decision decision = redis.acquire(algorithm, keys, limits, cost);
            if (!decision.allowed() && denied.getCount() > 0) {
                denied.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return decision;
        }

        @Override
        public void reset(List<String> keys) {
            redis.reset(keys);
        }

        @Override
        public List<String> keysMatching(String pattern) {
            return redis.keysMatching(pattern);
        }

        @Override
        public StoreHealth health() {
            return redis.health();
        }

        @Override
        public String describe() {
            return redis.describe();
        }

        @Override
        public void close() {
        }
    }
}
