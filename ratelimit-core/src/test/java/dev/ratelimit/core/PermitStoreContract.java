package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.testing.FakeRequest;

/**
 * What every {@link PermitStore} must do, for the concurrency limiter. Each store's test extends this,
 * so the Redis scripts and the in-memory twin are held to one contract. Leases are short (300 ms);
 * the waits around them leave generous margins and assert no speed.
 */
public abstract class PermitStoreContract {

    protected static final long LEASE = 300;

    protected abstract PermitStore permits();

    protected static String key(String name) {
        return "test:" + UUID.randomUUID() + ":{" + name + "}";
    }

    @Test
    void grants_exactly_the_limit_to_8_parallel_acquires() throws Exception {
        String key = key("parallel");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String holder = "h" + i;
            results.add(pool.submit(() -> {
                start.await();
                return permits().acquire(key, 5, 60_000, holder).granted();
            }));
        }
        start.countDown();
        int granted = 0;
        for (Future<Boolean> result : results) {
            granted += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        assertThat(granted).isEqualTo(5);
    }

    @Test
    void reports_the_limit_and_the_permits_left() {
        String key = key("left");
        PermitDecision first = permits().acquire(key, 3, 60_000, "a");
        assertThat(first.granted()).isTrue();
        assertThat(first.limit()).isEqualTo(3);
        assertThat(first.remaining()).isEqualTo(2);
        assertThat(permits().acquire(key, 3, 60_000, "b").remaining()).isEqualTo(1);
        assertThat(permits().acquire(key, 3, 60_000, "c").remaining()).isZero();
        PermitDecision denied = permits().acquire(key, 3, 60_000, "d");
        assertThat(denied.granted()).isFalse();
        assertThat(denied.limit()).isEqualTo(3);
        assertThat(denied.remaining()).isZero();
    }

    @Test
    void gives_a_permit_back_exactly_once() {
        String key = key("release");
        permits().acquire(key, 2, 60_000, "a");
        permits().acquire(key, 2, 60_000, "b");
        assertThat(permits().acquire(key, 2, 60_000, "c").granted()).isFalse();
        assertThat(permits().release(key, "a")).isTrue();
        assertThat(permits().release(key, "a")).as("a second release").isFalse();
        assertThat(permits().acquire(key, 2, 60_000, "c").granted()).isTrue();
        assertThat(permits().acquire(key, 2, 60_000, "d").granted())
                .as("the double release gave back no second permit").isFalse();
    }

    @Test
    void releasing_what_was_never_held_is_harmless() {
        String key = key("never");
        assertThat(permits().release(key, "nobody")).isFalse();
        assertThat(permits().acquire(key, 1, 60_000, "a").granted()).isTrue();
    }

    @Test
    void a_holder_that_acquires_again_keeps_its_one_permit() {
        String key = key("again");
        assertThat(permits().acquire(key, 2, 60_000, "a").remaining()).isEqualTo(1);
        assertThat(permits().acquire(key, 2, 60_000, "a").remaining()).isEqualTo(1);
        assertThat(permits().acquire(key, 2, 60_000, "b").granted()).isTrue();
    }

    @Test
    void keeps_keys_apart() {
        assertThat(permits().acquire(key("x"), 1, 60_000, "a").granted()).isTrue();
        assertThat(permits().acquire(key("y"), 1, 60_000, "a").granted()).isTrue();
    }

    @Test
    void drops_a_holder_past_its_lease() throws InterruptedException {
        String key = key("expired");
        assertThat(permits().acquire(key, 1, LEASE, "gone").granted()).isTrue();
        assertThat(permits().acquire(key, 1, LEASE, "next").granted()).isFalse();
        Thread.sleep(LEASE + 200);
        assertThat(permits().acquire(key, 1, LEASE, "next").granted()).isTrue();
        assertThat(permits().release(key, "gone")).as("the expired holder has nothing to give back").isFalse();
    }

    @Test
    void counts_each_expired_holder_once_in_the_acquire_that_drops_it() throws InterruptedException {
        String key = key("expired-count");
        permits().acquire(key, 3, LEASE, "gone1");
        permits().acquire(key, 3, LEASE, "gone2");
        PermitDecision live = permits().acquire(key, 3, 60_000, "live");
        assertThat(live.expiredHolders()).isZero();
        Thread.sleep(LEASE + 200);
        PermitDecision recovering = permits().acquire(key, 3, 60_000, "next");
        assertThat(recovering.granted()).isTrue();
        assertThat(recovering.expiredHolders()).as("gone1 and gone2 dropped").isEqualTo(2);
        assertThat(recovering.remaining()).isEqualTo(1);
        assertThat(permits().acquire(key, 3, 60_000, "last").expiredHolders()).as("each counted once").isZero();
        PermitDecision full = permits().acquire(key, 3, 60_000, "refused");
        assertThat(full.granted()).isFalse();
        assertThat(full.expiredHolders()).isZero();
    }

    @Test
    void counts_the_expired_holders_of_an_identity_nobody_else_renews() throws InterruptedException {
        // All holders dead: in Redis the key must outlive their deadlines, or it would vanish with them
        // uncounted (it lives one lease longer). The acquire comes within that second lease.
        String key = key("all-dead");
        permits().acquire(key, 2, 1_500, "gone1");
        permits().acquire(key, 2, 1_500, "gone2");
        Thread.sleep(1_700);
        PermitDecision recovering = permits().acquire(key, 2, 60_000, "next");
        assertThat(recovering.granted()).isTrue();
        assertThat(recovering.expiredHolders()).isEqualTo(2);
    }

    @Test
    void a_refusal_still_reports_the_expired_holders_it_dropped() throws InterruptedException {
        // A lower limit than the holders took (a redeployment with a smaller N): full even after the drop.
        String key = key("expired-refused");
        permits().acquire(key, 3, 60_000, "live1");
        permits().acquire(key, 3, 60_000, "live2");
        permits().acquire(key, 3, LEASE, "gone");
        Thread.sleep(LEASE + 200);
        PermitDecision refused = permits().acquire(key, 1, 60_000, "refused");
        assertThat(refused.granted()).isFalse();
        assertThat(refused.expiredHolders()).isEqualTo(1);
    }

    @Test
    void renewals_and_releases_leave_expired_holders_for_the_acquire_to_count() throws InterruptedException {
        String key = key("renew-leaves");
        permits().acquire(key, 3, LEASE, "gone");
        permits().acquire(key, 3, 60_000, "running");
        Thread.sleep(LEASE + 200);
        assertThat(permits().renew(Map.of(key, List.of("gone", "running")), 60_000))
                .as("the expired holder is not renewed").isEqualTo(1);
        assertThat(permits().release(key, "nobody")).isFalse();
        PermitDecision next = permits().acquire(key, 3, 60_000, "next");
        assertThat(next.expiredHolders()).as("dropped and counted here, not by the renewal").isEqualTo(1);
        assertThat(next.remaining()).isEqualTo(1);
    }

    @Test
    void drops_every_holder_of_one_identity_and_no_other() {
        Policy policy = Policy.builder("reset-" + UUID.randomUUID()).algorithm(Algorithm.CONCURRENCY)
                .keyParts(KeyPart.parseAll("key", "ip,route")).limits(Limit.parseAll("limits", "2/1m")).build();
        KeyLayout layout = policy.keyLayout();
        String aliceA = layout.keysFor(FakeRequest.from("192.0.2.1").route("/a")).get(0);
        String aliceB = layout.keysFor(FakeRequest.from("192.0.2.1").route("/b")).get(0);
        String bob = layout.keysFor(FakeRequest.from("192.0.2.10")).get(0);
        for (String key : List.of(aliceA, aliceB, bob)) {
            permits().acquire(key, 2, 60_000, "h1");
            permits().acquire(key, 2, 60_000, "h2");
            assertThat(permits().acquire(key, 2, 60_000, "h3").granted()).isFalse();
        }
        assertThat(permits().dropIdentity(layout.keysOf("ip=192.0.2.1"))).as("both routes of 192.0.2.1").isEqualTo(2);
        assertThat(permits().acquire(aliceA, 2, 60_000, "h3").remaining()).isEqualTo(1);
        assertThat(permits().acquire(aliceB, 2, 60_000, "h3").remaining()).isEqualTo(1);
        assertThat(permits().renew(Map.of(aliceA, List.of("h1")), 60_000)).as("a dropped holder is not revived").isZero();
        assertThat(permits().release(aliceA, "h1")).isFalse();
        assertThat(permits().acquire(bob, 2, 60_000, "h3").granted()).as("192.0.2.10 untouched").isFalse();
        assertThat(permits().dropIdentity(layout.keysOf("ip=198.51.100.1"))).isZero();
    }

    @Test
    void renews_many_holders_of_many_keys_in_one_call_and_never_revives_one() {
        String a = key("renew-a");
        String b = key("renew-b");
        permits().acquire(a, 5, 60_000, "a1");
        permits().acquire(a, 5, 60_000, "a2");
        permits().acquire(b, 5, 60_000, "b1");
        permits().release(a, "a2");
        int renewed = permits().renew(Map.of(a, List.of("a1", "a2"), b, List.of("b1"), key("none"), List.of("x")),
                60_000);
        assertThat(renewed).as("a2 was released, the third key holds nobody").isEqualTo(2);
        assertThat(permits().release(a, "a2")).as("renewal gave the released holder no permit").isFalse();
    }

    @Test
    void keeps_a_renewed_holder_past_its_lease() throws InterruptedException {
        String key = key("renewed");
        try (LeaseRenewer renewer = new LeaseRenewer(permits())) {
            ConcurrencyLimiter limiter = new ConcurrencyLimiter(permits(), renewer, 1, LEASE);
            Permit running = limiter.acquire(key);
            assertThat(running.granted()).isTrue();
            Thread.sleep(3 * LEASE);
            assertThat(limiter.acquire(key).granted()).as("still held after three leases").isFalse();
            running.release();
            running.release();
            assertThat(renewer.tracked()).isZero();
            assertThat(limiter.acquire(key).granted()).isTrue();
        }
    }

    @Test
    void gives_the_permits_of_a_dead_instance_back_within_the_lease() throws InterruptedException {
        String key = key("dead");
        LeaseRenewer deadRenewer = new LeaseRenewer(permits());
        ConcurrencyLimiter dead = new ConcurrencyLimiter(permits(), deadRenewer, 3, LEASE);
        for (int i = 0; i < 3; i++) {
            assertThat(dead.acquire(key).granted()).isTrue();
        }
        try (LeaseRenewer aliveRenewer = new LeaseRenewer(permits())) {
            ConcurrencyLimiter alive = new ConcurrencyLimiter(permits(), aliveRenewer, 3, LEASE);
            Thread.sleep(2 * LEASE);
            assertThat(alive.acquire(key).granted()).as("renewed while the instance lives").isFalse();
            deadRenewer.close(); // the instance disappears: its holders are never released nor renewed
            Thread.sleep(LEASE + 200);
            for (int i = 0; i < 3; i++) {
                assertThat(alive.acquire(key).granted()).as("permit %d back", i).isTrue();
            }
            assertThat(alive.acquire(key).granted()).isFalse();
        }
    }
}
