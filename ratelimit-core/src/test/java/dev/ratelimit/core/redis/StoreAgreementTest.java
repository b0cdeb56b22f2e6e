package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Reservation;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.testing.TestRedis;

/**
 * Redis and the in-memory twin admit the same requests for any sequence of requests from a few
 * identities, with any costs, under one or two limits. The windows are an hour or longer, so the few
 * milliseconds a try takes do not refill a single token.
 */
class StoreAgreementTest {

    private static TestRedis redis;
    private static RedisClients clients;
    private static RedisStore store;

    @BeforeContainer
    static void startRedis() {
        redis = TestRedis.start();
        clients = new RedisClients();
        store = clients.open(RedisUrl.standalone("redis-url", redis.url()).timeouts(2_000, 2_000).build());
    }

    @AfterContainer
    static void stopRedis() {
        store.close();
        clients.close();
        redis.close();
    }

    record Step(int identity, long cost) {
    }

    record Run(List<Limit> limits, List<Step> steps) {
    }

    @Provide
    Arbitrary<Run> runs() {
        Arbitrary<List<Limit>> limits = Arbitraries.oneOf(
                limit(3_600_000L).map(List::of),
                Combinators.combine(limit(3_600_000L), limit(86_400_000L)).as(List::of));
        return limits.flatMap(chosen -> {
            long smallest = chosen.stream().mapToLong(Limit::permits).min().getAsLong();
            Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, 2),
                    Arbitraries.longs().between(1, smallest)).as(Step::new);
            return step.list().ofMinSize(1).ofMaxSize(30).map(steps -> new Run(chosen, steps));
        });
    }

    private static Arbitrary<Limit> limit(long windowMillis) {
        return Arbitraries.integers().between(1, 20).map(permits -> new Limit(permits, windowMillis));
    }

    @Provide
    Arbitrary<Algorithm> rateAlgorithms() {
        return Arbitraries.of(Algorithm.rateAlgorithms());
    }

    @Property(tries = 100)
    void redis_and_memory_admit_the_same_requests(@ForAll("rateAlgorithms") Algorithm algorithm, @ForAll("runs") Run run) {
        InMemoryStore memory = new InMemoryStore();
        String prefix = "agree:" + UUID.randomUUID();
        List<String> inRedis = new ArrayList<>();
        List<String> inMemory = new ArrayList<>();
        for (Step step : run.steps()) {
            inRedis.add(summary(store.acquire(algorithm, keys(prefix, step, run), run.limits(), step.cost())));
            inMemory.add(summary(memory.acquire(algorithm, keys("m", step, run), run.limits(), step.cost())));
        }
        assertThat(inRedis).isEqualTo(inMemory);
    }

    /**
     * A reservation ({@code prefetch}) of up to {@code units} requests, {@code giveBack} of the granted ones
     * returned (0: none): at once, or when {@code afterNext}, after the identity's next reservation (a lease
     * returned once another was counted above it).
     */
    record ReserveStep(int identity, long cost, long units, long giveBack, boolean afterNext) {
    }

    record ReserveRun(List<Limit> limits, List<ReserveStep> steps) {
    }

    /** A reservation in each store, waiting for the identity's next one before its unspent units go back. */
    record Pending(ReserveStep step, Reservation inRedis, Reservation inMemory) {
    }

    @Provide
    Arbitrary<ReserveRun> reserveRuns() {
        return runs().flatMap(run -> {
            long smallest = run.limits().stream().mapToLong(Limit::permits).min().getAsLong();
            Arbitrary<ReserveStep> step = Combinators.combine(Arbitraries.integers().between(0, 2),
                    Arbitraries.longs().between(1, smallest), Arbitraries.longs().between(1, 8),
                    Arbitraries.longs().between(0, 8), Arbitraries.of(false, true)).as(ReserveStep::new);
            return step.list().ofMinSize(1).ofMaxSize(20).map(steps -> new ReserveRun(run.limits(), steps));
        });
    }

    @Property(tries = 60)
    void redis_and_memory_reserve_and_take_back_the_same_permits(@ForAll("rateAlgorithms") Algorithm algorithm,
                                                                 @ForAll("reserveRuns") ReserveRun run) {
        InMemoryStore memory = new InMemoryStore();
        String prefix = "agree-reserve:" + UUID.randomUUID();
        List<String> inRedis = new ArrayList<>();
        List<String> inMemory = new ArrayList<>();
        Map<Integer, Pending> pending = new HashMap<>();
        for (ReserveStep step : run.steps()) {
            List<String> redisKeys = keys(prefix, step.identity(), run.limits());
            List<String> memoryKeys = keys("m", step.identity(), run.limits());
            Reservation r = store.reserve(algorithm, redisKeys, run.limits(), step.cost(), step.units(), 1_000);
            Reservation m = memory.reserve(algorithm, memoryKeys, run.limits(), step.cost(), step.units(), 1_000);
            inRedis.add(r.units() + ":" + summary(r.decision()));
            inMemory.add(m.units() + ":" + summary(m.decision()));
            Pending earlier = pending.remove(step.identity());
            if (earlier != null) {
                giveBack(memory, algorithm, run.limits(), earlier.step(), earlier.inRedis(), earlier.inMemory(), redisKeys,
                        memoryKeys);
            }
            if (step.afterNext()) {
                pending.put(step.identity(), new Pending(step, r, m));
            } else {
                giveBack(memory, algorithm, run.limits(), step, r, m, redisKeys, memoryKeys);
            }
        }
        assertThat(inRedis).isEqualTo(inMemory);
    }

    private static void giveBack(InMemoryStore memory, Algorithm algorithm, List<Limit> limits, ReserveStep step,
                                 Reservation r, Reservation m, List<String> redisKeys, List<String> memoryKeys) {
        store.giveBack(algorithm, redisKeys, limits, step.cost(), r, Math.min(step.giveBack(), r.units()));
        memory.giveBack(algorithm, memoryKeys, limits, step.cost(), m, Math.min(step.giveBack(), m.units()));
    }

    private static List<String> keys(String prefix, int identity, List<Limit> limits) {
        String first = prefix + ":{id" + identity + "}";
        return limits.size() == 1 ? List.of(first) : List.of(first, first + ":2");
    }

    private static List<String> keys(String prefix, Step step, Run run) {
        String first = prefix + ":{id" + step.identity() + "}";
        return run.limits().size() == 1 ? List.of(first) : List.of(first, first + ":2");
    }

    private static String summary(Decision d) {
        return d.allowed() + "/" + d.limit() + "/" + d.remaining();
    }
}
