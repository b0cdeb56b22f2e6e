package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;

/**
 * What a limiter remembers of the clients it turned away (for a status page), and how an identity found
 * in a key becomes one an operator can reset.
 */
class DeniedIdentitiesTest {

    private static Policy policy(String key, String limits) {
        return Policy.builder("p").limits(Limit.parseAll("limits", limits)).keyParts(KeyPart.parseAll("key", key)).build();
    }

    @Test
    void a_limiter_counts_each_denial_under_the_identity_of_its_key_and_no_admission() {
        RateLimiter limiter = new RateLimiter(policy("ip", "2/1h"), new InMemoryStore(), null);
        for (int i = 0; i < 5; i++) {
            limiter.acquire(FakeRequest.from("198.51.100.9"));
        }
        limiter.acquire(FakeRequest.from("203.0.113.1"));
        assertThat(limiter.deniedIdentities().top(10)).extracting(RecentHeavyHitters.Estimate::toString)
                .containsExactly("ip=198.51.100.9=3");
    }

    @Test
    void dry_run_denials_are_counted_too() {
        Policy dryRun = Policy.builder("p").limits(Limit.parseAll("limits", "1/1h")).dryRun(true).build();
        RateLimiter limiter = new RateLimiter(dryRun, new InMemoryStore(), null);
        limiter.acquire(new FakeRequest());
        limiter.acquire(new FakeRequest());
        assertThat(limiter.deniedIdentities().total()).isEqualTo(1);
    }

    @Test
    void the_identity_in_a_key_is_its_hash_tag_as_escaped() {
        FakeRequest request = new FakeRequest().user("al ice").header("X-Api-Key", "k}{1");
        List<String> keys = policy("user,header:X-Api-Key", "1/1s").keyLayout().keysFor(request);
        assertThat(KeyLayout.identityIn(keys.get(0))).isEqualTo("user=al%20ice+h.x-api-key=k%7D%7B1");
        assertThat(KeyLayout.identityIn(policy("route", "1/1s").keyLayout().keysFor(request).get(0))).isEqualTo("all");
    }

    @Test
    void the_resettable_identity_is_the_first_part_unescaped_and_reset_finds_its_keys() {
        InMemoryStore store = new InMemoryStore();
        Policy policy = policy("user,header:X-Api-Key", "1/1h");
        RateLimiter limiter = new RateLimiter(policy, store, null);
        FakeRequest request = new FakeRequest().user("al ice").header("X-Api-Key", "k}{1");
        limiter.acquire(request);
        assertThat(limiter.acquire(request).allowed()).isFalse();

        String shown = limiter.deniedIdentities().top(1).get(0).item();
        String identity = KeyLayout.resettable(shown);
        assertThat(identity).isEqualTo("user=al ice");
        assertThat(limiter.resetIdentity(identity)).isEqualTo(1);
        assertThat(limiter.acquire(request).allowed()).isTrue();
    }

    @Test
    void an_ipv6_network_is_reset_as_it_was_counted() {
        RateLimiter limiter = new RateLimiter(policy("ip", "1/1h"), new InMemoryStore(), null);
        FakeRequest request = FakeRequest.from("2001:db8:1:2::9");
        limiter.acquire(request);
        limiter.acquire(request);
        String identity = KeyLayout.resettable(limiter.deniedIdentities().top(1).get(0).item());
        assertThat(identity).isEqualTo("ip=2001:db8:1:2::/64");
        assertThat(limiter.resetIdentity(identity)).isEqualTo(1);
    }

    @Test
    void an_identity_reads_unescaped_but_still_safe_for_a_log_line() {
        assertThat(KeyLayout.readable("ip=2001%3Adb8%3A1%3A2%3A%3A/64")).isEqualTo("ip=2001:db8:1:2::/64");
        assertThat(KeyLayout.readable("user=al%20ice+h.x-api-key=%3Cb%3E%0A")).isEqualTo("user=al%20ice + h.x-api-key=<b>%0A");
        assertThat(KeyLayout.readable("h.k=#0123456789ABCDEF0123456789ABCDEF")).isEqualTo("h.k=#0123456789ABCDEF0123456789ABCDEF");
        assertThat(KeyLayout.readable("all")).isEqualTo("all");
    }

    @Test
    void nothing_is_resettable_without_an_identity_or_with_only_a_hash_left() {
        assertThat(KeyLayout.resettable("all")).isNull();
        assertThat(KeyLayout.resettable("h.x-api-key=#0123456789ABCDEF0123456789ABCDEF")).isNull();
        assertThat(KeyLayout.resettable("user=%ZZ")).isNull();
    }

    @Test
    void loopback_is_127_slash_8_and_colon_colon_1_read_without_any_lookup() {
        assertThat(LoopbackAddress.is("127.0.0.1")).isTrue();
        assertThat(LoopbackAddress.is("127.9.8.7")).isTrue();
        assertThat(LoopbackAddress.is("::1")).isTrue();
        assertThat(LoopbackAddress.is("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(LoopbackAddress.is("::ffff:127.0.0.1")).isTrue();
        assertThat(LoopbackAddress.is("192.0.2.2")).isFalse();
        assertThat(LoopbackAddress.is("::2")).isFalse();
        assertThat(LoopbackAddress.is("localhost")).as("a name is not looked up").isFalse();
        assertThat(LoopbackAddress.is(null)).isFalse();
        assertThat(LoopbackAddress.is("")).isFalse();
    }
}
