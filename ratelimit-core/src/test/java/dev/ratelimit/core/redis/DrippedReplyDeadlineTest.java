package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.FaultProxy;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * A reply dripped one byte at a time, each byte sooner than {@code timeout}, never trips Jedis' per-read
 * timeout. Before {@link ReadDeadline} such a call held its request for as long as the reply took (about 5 s
 * here, found by NetworkFaultsTest); now it ends within the documented budget and the failure mode decides.
 */
class DrippedReplyDeadlineTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    static final long TIMEOUT = 150;
    static final long CONNECT_TIMEOUT = 200;
    static final long POOL_WAIT = 100;
    static final long BUDGET = POOL_WAIT + 2 * (CONNECT_TIMEOUT + TIMEOUT);
    /** Scheduling on a shared 2-core machine; far below the ~5 s a dripped reply took. */
    static final long MARGIN = 300;

    @Test
    void a_dripped_reply_ends_within_the_budget_and_the_failure_mode_decides() {
        for (boolean pipelining : new boolean[] {false, true}) {
            try (FaultProxy proxy = new FaultProxy(REDIS.redis().host(), REDIS.redis().port());
                 RedisClients clients = new RedisClients();
                 RedisStore store = clients.open(RedisUrl.standalone("redis-url", proxy.url()).pipelining(pipelining)
                         .timeouts(TIMEOUT, CONNECT_TIMEOUT).pool(4, POOL_WAIT).breaker(1_000, 1_000, 3).build())) {
                Policy policy = Policy.builder("api").failureMode(FailureMode.OPEN)
                        .limits(Limit.parseAll("limits", "1000/1h")).build();
                RateLimiter limiter = new RateLimiter(policy, store, new InMemoryStore());
                assertThat(limiter.acquire(new FakeRequest()).source()).isEqualTo(DecisionSource.REDIS);

                proxy.drip(TIMEOUT * 2 / 3);
                List<Long> latencies = new ArrayList<>();
                List<DecisionSource> sources = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    Decision d = limiter.acquire(new FakeRequest());
                    latencies.add((System.nanoTime() - start) / 1_000_000);
                    sources.add(d.source());
                }
                System.out.println("[drip] pipelining " + pipelining + ": latencies " + latencies + " ms, budget " + BUDGET + " ms");
                assertThat(sources).containsOnly(DecisionSource.BYPASS);
                assertThat(latencies).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(BUDGET + MARGIN));

                proxy.passThrough();
                assertThat(limiter.acquire(new FakeRequest()).source()).as("after the drip").isEqualTo(DecisionSource.REDIS);
            }
        }
    }
}
