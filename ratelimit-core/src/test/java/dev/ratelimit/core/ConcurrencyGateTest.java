package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ratelimit.core.memory.InMemoryPermitStore;
import dev.ratelimit.core.testing.FakeRequest;

/** What each failure mode does with a concurrency policy whose permit store cannot answer. */
class ConcurrencyGateTest {

    /** A permit store that is never reachable, as Redis behind an open breaker. */
    private static final PermitStore DOWN = new PermitStore() {
        @Override
        public PermitDecision acquire(String key, long limit, long leaseMillis, String holder) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public boolean release(String key, String holder) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public int renew(Map<String, ? extends Collection<String>> holdersByKey, long leaseMillis) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public long dropIdentity(KeyLayout.IdentityKeys identity) {
            throw new StoreUnavailableException("down", null);
        }
    };

    private final LeaseRenewer downRenewer = new LeaseRenewer(DOWN);
    private final InMemoryPermitStore memory = new InMemoryPermitStore();
    private final LeaseRenewer memoryRenewer = new LeaseRenewer(memory);

    @AfterEach
    void close() {
        downRenewer.close();
        memoryRenewer.close();
    }

    private ConcurrencyGate gate(FailureMode mode) {
        Policy policy = Policy.builder("c").algorithm(Algorithm.CONCURRENCY).failureMode(mode)
                .limits(Limit.parseAll("limits", "1/30s")).build();
        return new ConcurrencyGate(policy, new ConcurrencyLimiter(DOWN, downRenewer, 1, 30_000),
                new ConcurrencyLimiter(memory, memoryRenewer, 1, 30_000), "down");
    }

    @Test
    void open_lets_through_without_a_permit() {
        Permit permit = gate(FailureMode.OPEN).acquire(FakeRequest.from("192.0.2.1"));
        assertThat(permit.granted()).isTrue();
        assertThat(permit.decision().source()).isEqualTo(DecisionSource.BYPASS);
        permit.release();
        assertThat(downRenewer.tracked()).isZero();
    }

    @Test
    void closed_refuses() {
        Permit permit = gate(FailureMode.CLOSED).acquire(FakeRequest.from("192.0.2.1"));
        assertThat(permit.granted()).isFalse();
        assertThat(RateLimitResponse.answer(permit.decision(), gate(FailureMode.CLOSED).policy()).status()).isEqualTo(503);
    }

    @Test
    void local_counts_this_instances_permits_in_memory() {
        ConcurrencyGate gate = gate(FailureMode.LOCAL);
        Permit first = gate.acquire(FakeRequest.from("192.0.2.1"));
        assertThat(first.granted()).isTrue();
        assertThat(first.decision().source()).isEqualTo(DecisionSource.MEMORY);
        assertThat(gate.acquire(FakeRequest.from("192.0.2.1")).granted()).isFalse();
        first.release();
        assertThat(gate.acquire(FakeRequest.from("192.0.2.1")).granted()).isTrue();
    }
}
