package dev.ratelimit.core;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.redis.RedisUrl;
import dev.ratelimit.core.testing.FakeRequest;

/**
 * An instance in a JVM of its own for {@link KilledInstanceTest}: takes N permits of one client under a
 * concurrency policy on Redis (its runtime's {@code RedisPermitStore} and {@link LeaseRenewer}), prints
 * {@value #HOLDING} when it holds them, then keeps renewing them until it is killed.
 *
 * <p>Arguments: Redis URL, policy name, N, lease in ms.
 */
public final class PermitHolderProcess {

    static final String HOLDING = "HOLDING";
    static final String CLIENT = "192.0.2.99";

    private PermitHolderProcess() {
    }

    static Policy policy(String name, long permits, long leaseMillis) {
        return Policy.builder(name).algorithm(Algorithm.CONCURRENCY)
                .limits(Limit.parseAll("limits", permits + "/" + leaseMillis + "ms")).build();
    }

    static RedisSettings redis(String url) {
        return RedisUrl.standalone("redis-url", url).timeouts(2_000, 2_000).pool(8, 2_000).build();
    }

    public static void main(String[] args) throws InterruptedException {
        String url = args[0];
        long permits = Long.parseLong(args[2]);
        Policy policy = policy(args[1], permits, Long.parseLong(args[3]));
        ConcurrencyGate gate = new ApplicationRuntime().concurrency(policy, redis(url));
        for (int i = 0; i < permits; i++) {
            Permit permit = gate.acquire(FakeRequest.from(CLIENT));
            if (!permit.granted()) {
                System.out.println("REFUSED " + permit.decision());
                System.exit(2);
            }
        }
        System.out.println(HOLDING + " " + permits);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
