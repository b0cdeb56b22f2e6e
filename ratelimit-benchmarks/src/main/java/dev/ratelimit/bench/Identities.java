package dev.ratelimit.bench;

import java.util.concurrent.ThreadLocalRandom;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Distinct clients, so Redis sees many keys, not one hot key ({@value #COUNT}, the default of the benchmarks'
 * {@code identities} parameter), or one client ({@value #HOT}: a hot identity, every thread on one key, where
 * batching and prefetching pay). Each benchmark thread walks the list from its own random start ({@link Cursor}).
 */
public final class Identities {

    static final int COUNT = 10_000;

    /** The {@code identities} parameter of a hot-identity run. */
    static final int HOT = 1;

    /** JMH parameter values are strings; the benchmarks' {@code identities} parameter is a count, 1 to {@value #COUNT}. */
    static int parse(String identities) {
        int count = Integer.parseInt(identities);
        if (count < 1 || count > COUNT) {
            throw new IllegalArgumentException("identities: 1 to " + COUNT + ", got " + identities);
        }
        return count;
    }

    private Identities() {
    }

    static BenchRequest[] requests(int count) {
        BenchRequest[] requests = new BenchRequest[count];
        for (int i = 0; i < count; i++) {
            requests[i] = new BenchRequest("10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF));
        }
        return requests;
    }

    /** One thread's position in the identity list. */
    @State(Scope.Thread)
    public static class Cursor {
        private int next = ThreadLocalRandom.current().nextInt(COUNT);

        int next(int count) {
            int i = next % count;
            next = i + 1;
            return i;
        }
    }
}
