package dev.ratelimit.core.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.Permit;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;

class ApplicationRuntimeTest {

    private static FakeRequest from(String address) {
        return FakeRequest.from(address);
    }

    @Test
    void a_flood_on_one_policy_does_not_evict_the_counters_of_another() {
        ApplicationRuntime shared = new ApplicationRuntime();
        try {
            Policy api = Policy.builder("api").scope("api").limits(Limit.parseAll("limits", "5/1h")).build();
            Policy login = Policy.builder("login").scope("login").limits(Limit.parseAll("limits", "1/1h")).build();
            RateLimiter flooded = shared.limiter(api, null);
            RateLimiter kept = shared.limiter(login, null);
            List<FakeRequest> blocked = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                FakeRequest client = from("198.51." + (i / 256) + "." + (i % 256));
                assertThat(kept.acquire(client).allowed()).isTrue();
                assertThat(kept.acquire(client).allowed()).isFalse();
                blocked.add(client);
            }
            for (int i = 0; i < InMemoryStore.DEFAULT_MAX_ENTRIES + 20_000; i++) {
                flooded.acquire(from("10." + (i >> 16) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff)));
            }
            for (FakeRequest client : blocked) {
                assertThat(kept.acquire(client).allowed()).as("%s is still blocked on login", client.remoteAddress())
                        .isFalse();
            }
        } finally {
            shared.release();
        }
    }

    @Test
    void gives_every_policy_and_the_replay_memory_their_own_store_until_the_last_release() {
        ApplicationRuntime shared = new ApplicationRuntime();
        InMemoryStore api = shared.memory("api");
        assertThat(shared.memory("api")).isSameAs(api);
        assertThat(shared.memory("login")).isNotSameAs(api);
        assertThat(shared.replayMemory("api")).isNotSameAs(api).isSameAs(shared.replayMemory("api"));
        api.acquire(Algorithm.FIXED_WINDOW, List.of("k:{a}"), Limit.parseAll("limits", "1/1h"), 1);
        shared.release();
        assertThat(api.size()).as("closed with the last lease").isZero();
    }

    @Test
    void a_prefetching_limiter_starts_one_sweeper_which_ends_with_the_last_release_after_the_permits_are_back() {
        ApplicationRuntime shared = new ApplicationRuntime();
        Policy plain = Policy.builder("plain").limits(Limit.parseAll("limits", "100/1h")).build();
        shared.limiter(plain, null);
        assertThat(shared.prefetchSweeping()).as("no prefetch, no thread").isFalse();
        Policy policy = Policy.builder("hot").limits(Limit.parseAll("limits", "100/1h")).prefetch(50).build();
        RateLimiter hot = shared.limiter(policy, null);
        shared.limiter(Policy.builder("hot2").limits(Limit.parseAll("limits", "100/1h")).prefetch(50).build(), null);
        for (int i = 0; i < 20; i++) {
            hot.acquire(from("192.0.2.1"));
        }
        assertThat(hot.prefetchLeases().held()).isPositive();
        assertThat(shared.prefetchSweeping()).isTrue();
        assertThat(sweeperThreads()).as("one per runtime").isEqualTo(1);
        shared.release();
        assertThat(hot.prefetchLeases().held()).isZero();
        assertThat(shared.prefetchSweeping()).isFalse();
        assertThat(sweeperThreads()).as("no thread left after undeploy").isZero();
    }

    private static long sweeperThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("ratelimit-prefetch-sweeper") && t.isAlive()).count();
    }

    @Test
    void a_concurrency_policy_counts_permits_in_memory_and_its_renewer_thread_ends_with_the_last_release() {
        ApplicationRuntime shared = new ApplicationRuntime();
        Policy policy = Policy.builder("c").algorithm(Algorithm.CONCURRENCY).limits(Limit.parseAll("limits", "1/300ms")).build();
        ConcurrencyGate gate = shared.concurrency(policy, null);
        Permit held = gate.acquire(from("192.0.2.1"));
        assertThat(held.granted()).isTrue();
        assertThat(gate.acquire(from("192.0.2.1")).granted()).isFalse();
        assertThat(renewerThreads()).isPositive();
        assertThat(shared.leaseRenewers()).isEqualTo(1);
        shared.release();
        assertThat(shared.leaseRenewers()).isZero();
        assertThat(renewerThreads()).as("no thread left after undeploy").isZero();
    }

    private static long renewerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("ratelimit-lease-renewer")).count();
    }
}
