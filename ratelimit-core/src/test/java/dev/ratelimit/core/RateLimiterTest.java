package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;

/** Failure modes, with a store that always fails (a pure unit test: no Redis involved). */
class RateLimiterTest {

    private static final RateLimitStore DOWN = new RateLimitStore() {
        @Override
        public Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public void reset(List<String> keys) {
        }

        @Override
        public List<String> keysMatching(String pattern) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public StoreHealth health() {
            return new StoreHealth(false, 0, "none", "down");
        }

        @Override
        public String describe() {
            return "down";
        }

        @Override
        public void close() {
        }
    };

    private static RateLimiter limiter(String scope, FailureMode mode, boolean dryRun) {
        Policy policy = Policy.builder("p").scope(scope).limits(Limit.parseAll("limits", "1/1h"))
                .failureMode(mode).dryRun(dryRun).build();
        return new RateLimiter(policy, DOWN, new InMemoryStore());
    }

    @Test
    void fails_open_by_allowing_without_numbers() {
        Decision d = limiter("api", null, false).acquire(new FakeRequest());
        assertThat(d.allowed()).isTrue();
        assertThat(d.source()).isEqualTo(DecisionSource.BYPASS);
        assertThat(RateLimitResponse.headers(d)).isEmpty();
    }

    @Test
    void fails_closed_with_503_for_webhooks() {
        RateLimiter limiter = limiter("webhook", null, false);
        Decision d = limiter.acquire(new FakeRequest());
        assertThat(d.blocks()).isTrue();
        assertThat(RateLimitResponse.status(d)).isEqualTo(503);
        assertThat(RateLimitResponse.headers(d)).containsOnlyKeys("Retry-After");
        assertThat(RateLimitResponse.body(d)).contains("\"code\":\"RATE_LIMITER_UNAVAILABLE\"");
    }

    @Test
    void answers_closed_denials_with_the_configured_status() {
        Policy policy = Policy.builder("p").scope("admin").limits(Limit.parseAll("limits", "1/1h")).closedStatus(429).build();
        Decision d = new RateLimiter(policy, DOWN, null).acquire(new FakeRequest());
        assertThat(RateLimitResponse.status(d)).isEqualTo(429);
        assertThat(RateLimitResponse.body(d)).contains("RATE_LIMITER_UNAVAILABLE");
    }

    @Test
    void each_decision_carries_the_policy_it_was_made_under_even_after_jmx_changes_the_limits() {
        RateLimiter limiter = new RateLimiter(Policy.builder("p").limits(Limit.parseAll("limits", "1/1h")).build(),
                new InMemoryStore(), null);
        Policy before = limiter.policy();
        Decision first = limiter.acquire(new FakeRequest());
        limiter.updateLimits("5/1h");
        Decision second = limiter.acquire(new FakeRequest());
        assertThat(first.policy()).isSameAs(before);
        assertThat(second.policy()).isSameAs(limiter.policy()).isNotSameAs(before);
        assertThat(limiter.cachedDenial(new FakeRequest())).isNull();
    }

    @Test
    void falls_back_to_memory_in_local_mode() {
        RateLimiter limiter = limiter("api", FailureMode.LOCAL, false);
        Decision first = limiter.acquire(new FakeRequest());
        Decision second = limiter.acquire(new FakeRequest());
        assertThat(first.source()).isEqualTo(DecisionSource.MEMORY);
        assertThat(first.allowed()).isTrue();
        assertThat(second.allowed()).isFalse();
    }

    @Test
    void dry_run_reports_a_denial_but_never_blocks() {
        RateLimiter limiter = limiter("api", FailureMode.LOCAL, true);
        limiter.acquire(new FakeRequest());
        Decision d = limiter.acquire(new FakeRequest());
        assertThat(d.allowed()).isFalse();
        assertThat(d.blocks()).isFalse();
    }

    @Test
    void resets_exactly_one_identity_whatever_its_route() {
        InMemoryStore memory = new InMemoryStore();
        Policy policy = Policy.builder("p").limits(Limit.parseAll("limits", "1/1h"))
                .keyParts(KeyPart.parseAll("key", "ip,route")).build();
        RateLimiter limiter = new RateLimiter(policy, memory, null);
        FakeRequest a = new FakeRequest();
        a.address("1.2.3.4");
        FakeRequest a2 = new FakeRequest();
        a2.address("1.2.3.4");
        a2.route("/other");
        FakeRequest b = new FakeRequest();
        b.address("1.2.3.45");
        limiter.acquire(a);
        limiter.acquire(a2);
        limiter.acquire(b);
        assertThat(limiter.resetIdentity("ip=1.2.3.4")).isEqualTo(2);
        assertThat(limiter.acquire(a).allowed()).isTrue();
        assertThat(limiter.acquire(b).allowed()).as("1.2.3.45 is another client").isFalse();
    }

    @Test
    void resets_an_ipv6_client_by_any_address_of_its_network_as_it_is_counted() {
        Policy policy = Policy.builder("p").limits(Limit.parseAll("limits", "1/1h")).build();
        RateLimiter limiter = new RateLimiter(policy, new InMemoryStore(), null);
        FakeRequest v6 = new FakeRequest();
        v6.address("2001:db8:1:2::7");
        FakeRequest mapped = new FakeRequest();
        mapped.address("198.51.100.4");
        limiter.acquire(v6);
        limiter.acquire(mapped);
        assertThat(limiter.resetIdentity("ip=2001:db8:1:2:0:0:0:5")).isEqualTo(1);
        assertThat(limiter.resetIdentity("ip=::ffff:198.51.100.4")).isEqualTo(1);
        assertThat(limiter.acquire(v6).allowed()).isTrue();
    }

    @Test
    void changes_limits_for_the_next_request() {
        Policy policy = Policy.builder("p").limits(Limit.parseAll("limits", "1/1h")).build();
        RateLimiter limiter = new RateLimiter(policy, new InMemoryStore(), null);
        limiter.acquire(new FakeRequest());
        assertThat(limiter.acquire(new FakeRequest()).allowed()).isFalse();
        limiter.updateLimits("3/1h");
        assertThat(limiter.acquire(new FakeRequest()).allowed()).isTrue();
        assertThat(limiter.policy().limits()).containsExactly(new Limit(3, 3_600_000));
    }
}
