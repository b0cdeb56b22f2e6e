package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** {@link StoreCircuitBreaker#STATES} holds every state the breaker reports (Prometheus shows one series per state). */
class StoreCircuitBreakerStatesTest {

    @Test
    void every_state_the_breaker_passes_through_is_listed() throws Exception {
        StoreCircuitBreaker breaker = new StoreCircuitBreaker("test", 1, 1, 1);
        Set<String> seen = new LinkedHashSet<>();
        seen.add(breaker.state());
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.recordFailure();
        seen.add(breaker.state());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!breaker.state().equals("half-open") && System.nanoTime() < deadline) {
            breaker.tryAcquire();  // Failsafe moves from open to half-open when a permit is asked for after the delay
            Thread.sleep(5);
        }
        seen.add(breaker.state());
        breaker.forceOpen();
        seen.add(breaker.state());

        assertThat(seen).containsExactly("closed", "open", "half-open", "forced-open");
        assertThat(StoreCircuitBreaker.STATES).containsExactlyInAnyOrderElementsOf(seen);
    }
}
