package dev.ratelimit.core.metrics;

import java.util.concurrent.TimeUnit;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.PolicyMetrics;

/** The meters and timer of one policy. Created once per limiter; recording is lock-free. */
final class PolicyMeters implements PolicyMetrics {

    private final Meter allowed;
    private final Meter denied;
    private final Meter dryRunDenied;
    private final Meter fallbackMemory;
    private final Meter fallbackBypass;
    private final Meter denyCacheHits;
    private final Meter signatureFailures;
    private final Timer storeLatency;
    private final MetricRegistry registry;
    private final String policy;
    /** Registered with the first reservation: a policy without {@code prefetch} shows none of them. */
    private volatile PrefetchMeters prefetch;

    PolicyMeters(MetricRegistry registry, String policy) {
        allowed = registry.meter(MetricNames.policy(policy, MetricNames.ALLOWED));
        denied = registry.meter(MetricNames.policy(policy, MetricNames.DENIED));
        dryRunDenied = registry.meter(MetricNames.policy(policy, MetricNames.DRY_RUN_DENIED));
        fallbackMemory = registry.meter(MetricNames.policy(policy, MetricNames.FALLBACK_MEMORY));
        fallbackBypass = registry.meter(MetricNames.policy(policy, MetricNames.FALLBACK_BYPASS));
        denyCacheHits = registry.meter(MetricNames.policy(policy, MetricNames.DENY_CACHE_HITS));
        signatureFailures = registry.meter(MetricNames.policy(policy, MetricNames.SIGNATURE_FAILURES));
        storeLatency = registry.timer(MetricNames.policy(policy, MetricNames.STORE_LATENCY));
        this.registry = registry;
        this.policy = policy;
    }

    @Override
    public void record(Decision decision, boolean fromStoreFailure, long storeNanos) {
        if (storeNanos >= 0) {
            storeLatency.update(storeNanos, TimeUnit.NANOSECONDS);
        } else {
            denyCacheHits.mark();
        }
        if (fromStoreFailure) {
            (decision.source() == DecisionSource.MEMORY ? fallbackMemory : fallbackBypass).mark();
        }
        if (decision.allowed()) {
            allowed.mark();
        } else if (decision.dryRun()) {
            dryRunDenied.mark();
        } else {
            denied.mark();
        }
    }

    @Override
    public void signatureFailure() {
        signatureFailures.mark();
    }

    @Override
    public void recordPrefetched(Decision decision) {
        prefetch().spent.mark();
        allowed.mark();
    }

    @Override
    public void prefetchReserved(long permits) {
        prefetch().reserved.mark(permits);
    }

    @Override
    public void prefetchReturned(long permits) {
        prefetch().returned.mark(permits);
    }

    @Override
    public void prefetchLost(long permits) {
        prefetch().lost.mark(permits);
    }

    private PrefetchMeters prefetch() {
        PrefetchMeters meters = prefetch;
        if (meters == null) {
            // registry.meter returns the one registered when two threads get here at once.
            meters = new PrefetchMeters(registry, policy);
            prefetch = meters;
        }
        return meters;
    }

    private static final class PrefetchMeters {
        final Meter spent;
        final Meter reserved;
        final Meter returned;
        final Meter lost;

        PrefetchMeters(MetricRegistry registry, String policy) {
            spent = registry.meter(MetricNames.policy(policy, MetricNames.PREFETCH_SPENT));
            reserved = registry.meter(MetricNames.policy(policy, MetricNames.PREFETCH_RESERVED));
            returned = registry.meter(MetricNames.policy(policy, MetricNames.PREFETCH_RETURNED));
            lost = registry.meter(MetricNames.policy(policy, MetricNames.PREFETCH_LOST));
        }
    }
}
