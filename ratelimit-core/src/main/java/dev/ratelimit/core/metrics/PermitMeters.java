package dev.ratelimit.core.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.PermitDecision;
import dev.ratelimit.core.PermitMetrics;

/**
 * The metrics of one concurrency policy: the meters every policy has ({@code allowed}, {@code denied},
 * the fallbacks, {@code store-latency}; shared with a rate policy of the same name), and its own
 * {@code permits-acquired}, {@code lease-expirations} and the {@code in-flight} gauge. Recording is lock-free.
 */
final class PermitMeters implements PermitMetrics {

    private final Meter allowed;
    private final Meter denied;
    private final Meter fallbackMemory;
    private final Meter fallbackBypass;
    private final Timer storeLatency;
    private final Meter acquired;
    private final Meter leaseExpirations;
    private final AtomicLong inFlight = new AtomicLong();

    PermitMeters(MetricRegistry registry, String policy) {
        allowed = registry.meter(MetricNames.policy(policy, MetricNames.ALLOWED));
        denied = registry.meter(MetricNames.policy(policy, MetricNames.DENIED));
        fallbackMemory = registry.meter(MetricNames.policy(policy, MetricNames.FALLBACK_MEMORY));
        fallbackBypass = registry.meter(MetricNames.policy(policy, MetricNames.FALLBACK_BYPASS));
        storeLatency = registry.timer(MetricNames.policy(policy, MetricNames.STORE_LATENCY));
        acquired = registry.meter(MetricNames.policy(policy, MetricNames.PERMITS_ACQUIRED));
        leaseExpirations = registry.meter(MetricNames.policy(policy, MetricNames.LEASE_EXPIRATIONS));
        String inFlightName = MetricNames.policy(policy, MetricNames.IN_FLIGHT);
        // A gauge left by an earlier deployment in the application's own registry would read a dead counter.
        registry.remove(inFlightName);
        registry.register(inFlightName, (Gauge<Long>) inFlight::get);
    }

    @Override
    public void record(PermitDecision decision, boolean fromStoreFailure, long storeNanos) {
        storeLatency.update(storeNanos, TimeUnit.NANOSECONDS);
        if (fromStoreFailure) {
            (decision.source() == DecisionSource.MEMORY ? fallbackMemory : fallbackBypass).mark();
        }
        if (decision.expiredHolders() > 0) {
            leaseExpirations.mark(decision.expiredHolders());
        }
        if (!decision.granted()) {
            denied.mark();
            return;
        }
        allowed.mark();
        if (decision.source() != DecisionSource.BYPASS) {
            acquired.mark();
        }
    }

    @Override
    public void held() {
        inFlight.incrementAndGet();
    }

    @Override
    public void released() {
        inFlight.decrementAndGet();
    }
}
