package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which of several limiters' decisions on one request the client is shown. */
class DecisionBindingTest {

    private static Decision allowed(long remaining) {
        return Decision.allowed(100, remaining, 1_000, DecisionSource.REDIS);
    }

    private static final Decision BYPASS = Decision.allowed(0, 0, 1_000, DecisionSource.BYPASS);

    @Test
    void the_first_decision_binds_alone() {
        Decision only = allowed(7);
        assertThat(Decision.binding(null, only)).isSameAs(only);
    }

    @Test
    void the_one_with_fewer_permits_left_binds() {
        Decision loose = allowed(90);
        Decision tight = allowed(3);
        assertThat(Decision.binding(loose, tight)).isSameAs(tight);
        assertThat(Decision.binding(tight, loose)).isSameAs(tight);
    }

    @Test
    void a_store_decision_binds_over_a_bypass_without_numbers() {
        Decision counted = allowed(50);
        assertThat(Decision.binding(BYPASS, counted)).isSameAs(counted);
        assertThat(Decision.binding(counted, BYPASS)).isSameAs(counted);
    }

    @Test
    void a_blocking_decision_binds_whatever_came_before() {
        Decision closed = Decision.denied(0, 0, 2_000, 1_000, DecisionSource.BYPASS);
        assertThat(Decision.binding(allowed(0), closed)).isSameAs(closed);
        assertThat(Decision.binding(closed, allowed(0))).isSameAs(closed);
    }
}
