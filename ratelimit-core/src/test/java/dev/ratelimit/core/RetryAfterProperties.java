package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.StructuredFields;
import dev.ratelimit.testing.StructuredFields.Item;

/**
 * Over decisions the stores really make (every algorithm, one to three limits, any cost and pace): the
 * IETF fields always parse as RFC 8941 Lists, and on every denial {@code Retry-After} is never earlier
 * than the {@code t} of {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers-11, section 6).
 */
class RetryAfterProperties {

    @Property(tries = 300)
    void retry_after_is_never_earlier_than_t(@ForAll("algorithms") Algorithm algorithm,
                                             @ForAll @IntRange(min = 1, max = 3) int limitCount,
                                             @ForAll @LongRange(min = 1, max = 20) long permits,
                                             @ForAll @LongRange(min = 1, max = 120_000) long windowMillis,
                                             @ForAll @IntRange(min = 1, max = 40) int requests,
                                             @ForAll @LongRange(min = 0, max = 5_000) long stepMillis) {
        List<Limit> limits = new ArrayList<>();
        for (int i = 0; i < limitCount; i++) {
            limits.add(new Limit(permits * (i + 1), windowMillis * (i + 1)));
        }
        Policy policy = Policy.builder("p").limits(limits).algorithm(algorithm).headerFormat(HeaderFormat.BOTH).build();
        SteppedClock clock = new SteppedClock();
        InMemoryStore store = new InMemoryStore(1000, clock);
        List<String> keys = policy.keyLayout().keysFor(FakeRequest.from("203.0.113.9"));
        for (int i = 0; i < requests; i++) {
            Decision d = store.acquire(algorithm, keys, limits, 1).decidedBy(policy);
            Map<String, String> headers = RateLimitResponse.answer(d).headers();
            StructuredFields.parseItemList(headers.get("RateLimit-Policy"));
            Item limit = StructuredFields.parseItem(headers.get("RateLimit"));
            long t = (Long) limit.param("t");
            assertThat(t).isNotNegative();
            assertThat((Long) limit.param("r")).isEqualTo(d.remaining());
            if (!d.allowed()) {
                long retryAfter = Long.parseLong(headers.get("Retry-After"));
                assertThat(retryAfter).as("Retry-After vs t for %s", d).isGreaterThanOrEqualTo(t);
            } else {
                assertThat(t).as("t within the binding window for %s", d)
                        .isLessThanOrEqualTo((limits.get(d.limitIndex()).windowMillis() + 999) / 1000);
            }
            clock.now = clock.now.plusMillis(stepMillis);
        }
    }

    private static final class SteppedClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Algorithm> algorithms() {
        return net.jqwik.api.Arbitraries.of(Algorithm.FIXED_WINDOW, Algorithm.TOKEN_BUCKET, Algorithm.SLIDING_WINDOW);
    }
}
