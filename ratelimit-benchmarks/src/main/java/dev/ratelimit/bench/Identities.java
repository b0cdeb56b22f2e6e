package dev.ratelimit.bench;

import java.util.concurrent.ThreadLocalRandom;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Distinct clients, so Redis sees many keys, not one hot key. Each benchmark thread walks the list
 * from its own random start ({@link Cursor}).
 */
public final class Identities {

    static final int COUNT = 10_000;

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
