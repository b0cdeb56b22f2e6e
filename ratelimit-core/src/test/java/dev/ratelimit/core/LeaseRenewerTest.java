package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.memory.InMemoryPermitStore;

class LeaseRenewerTest {

    private static boolean renewerThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(LeaseRenewer.THREAD_NAME) && t.isAlive());
    }

    @Test
    void starts_its_thread_with_the_first_holder_and_stops_it_on_close() {
        LeaseRenewer renewer = new LeaseRenewer(new InMemoryPermitStore());
        assertThat(renewerThreadAlive()).as("no thread before a holder").isFalse();
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(new InMemoryPermitStore(), renewer, 1, 60_000);
        Permit permit = limiter.acquire("k:{a}");
        assertThat(renewerThreadAlive()).isTrue();
        renewer.close();
        assertThat(renewerThreadAlive()).as("no thread left after close (undeploy)").isFalse();
        permit.release();
        assertThatThrownBy(() -> limiter.acquire("k:{b}")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void does_not_track_a_denied_request() {
        try (LeaseRenewer renewer = new LeaseRenewer(new InMemoryPermitStore())) {
            ConcurrencyLimiter limiter = new ConcurrencyLimiter(new InMemoryPermitStore(), renewer, 1, 60_000);
            Permit granted = limiter.acquire("k:{a}");
            Permit denied = limiter.acquire("k:{a}");
            assertThat(denied.granted()).isFalse();
            assertThat(renewer.tracked()).isEqualTo(1);
            denied.release();
            assertThat(renewer.tracked()).isEqualTo(1);
            granted.release();
            assertThat(renewer.tracked()).isZero();
        }
    }

    @Test
    void keeps_renewing_after_a_failed_renewal() throws InterruptedException {
        InMemoryPermitStore memory = new InMemoryPermitStore();
        int[] calls = {0};
        PermitStore flaky = new PermitStore() {
            @Override
            public PermitDecision acquire(String key, long limit, long leaseMillis, String holder) {
                return memory.acquire(key, limit, leaseMillis, holder);
            }

            @Override
            public boolean release(String key, String holder) {
                return memory.release(key, holder);
            }

            @Override
            public int renew(java.util.Map<String, ? extends java.util.Collection<String>> holders, long lease) {
                if (calls[0]++ == 0) {
                    throw new StoreUnavailableException("Redis is away", null);
                }
                return memory.renew(holders, lease);
            }

            @Override
            public long dropIdentity(KeyLayout.IdentityKeys identity) {
                return memory.dropIdentity(identity);
            }
        };
        try (LeaseRenewer renewer = new LeaseRenewer(flaky)) {
            ConcurrencyLimiter limiter = new ConcurrencyLimiter(flaky, renewer, 1, 300);
            limiter.acquire("k:{flaky}");
            Thread.sleep(900);
            assertThat(limiter.acquire("k:{flaky}").granted()).as("renewed by the ticks after the failure").isFalse();
        }
    }
}
