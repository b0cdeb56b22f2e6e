package dev.ratelimit.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.PermitStore;
import dev.ratelimit.core.PermitStoreContract;

class InMemoryPermitStoreTest extends PermitStoreContract {

    private final InMemoryPermitStore store = new InMemoryPermitStore();

    @Override
    protected PermitStore permits() {
        return store;
    }

    @Test
    void never_holds_more_identities_than_its_bound() {
        InMemoryPermitStore small = new InMemoryPermitStore(100, Clock.systemUTC());
        for (int i = 0; i < 1_000; i++) {
            small.acquire("k:{" + i + "}", 5, 60_000, "h");
        }
        assertThat(small.size()).isLessThanOrEqualTo(100);
    }

    @Test
    void drops_identities_without_live_holders_first_when_full() {
        long[] now = {1_000_000};
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now[0]);
            }
        };
        InMemoryPermitStore small = new InMemoryPermitStore(10, clock);
        small.acquire("long:{kept}", 1, 3_600_000, "running");
        for (int i = 0; i < 9; i++) {
            small.acquire("short:{" + i + "}", 1, 1_000, "h");
        }
        now[0] += 2_000;
        small.acquire("new:{one}", 1, 1_000, "h");
        assertThat(small.acquire("long:{kept}", 1, 3_600_000, "other").granted())
                .as("the identity with a running request was kept").isFalse();
    }
}
