package dev.ratelimit.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.failsafe.CircuitBreaker;

/**
 * Stops calling a store that keeps failing, so requests get their failure mode at once instead of
 * each waiting out a timeout. Opens after {@code failures} consecutive failures, stays open for
 * {@code openDuration}, then lets up to {@code probes} trial calls through (half-open) and closes once
 * that many succeed in a row. Built on Failsafe's circuit breaker (its standalone permit API: no
 * executor, no thread hop). Logs every state change: WARN on open, INFO otherwise.
 */
public final class StoreCircuitBreaker {

    /** Every value {@link #state()} can take (a Prometheus state set shows one series per value). */
    public static final List<String> STATES =
            Collections.unmodifiableList(Arrays.asList("closed", "half-open", "open", "forced-open"));

    /** Default {@code breaker-failures}. */
    public static final int DEFAULT_FAILURES = 5;
    /** Default {@code breaker-open}. */
    public static final long DEFAULT_OPEN_MILLIS = 30_000;
    /** Default {@code breaker-probes}. */
    public static final int DEFAULT_PROBES = 3;

    private static final Logger LOG = LoggerFactory.getLogger(StoreCircuitBreaker.class);

    private final CircuitBreaker<Object> breaker;
    private volatile boolean forcedOpen;

    public StoreCircuitBreaker(String storeName, int failures, long openMillis, int probes) {
        this.breaker = CircuitBreaker.builder()
                .withFailureThreshold(failures)
                .withDelay(Duration.ofMillis(openMillis))
                .withSuccessThreshold(probes)
                .onOpen(e -> LOG.warn("Circuit breaker for {} OPEN after {} consecutive failures: calls skip the store"
                        + " and use their failure mode for {}", storeName, failures, Durations.format(openMillis)))
                .onHalfOpen(e -> LOG.info("Circuit breaker for {} HALF-OPEN: probing with up to {} calls", storeName, probes))
                .onClose(e -> LOG.info("Circuit breaker for {} CLOSED: the store answers again", storeName))
                .build();
    }

    /** Whether a call may go to the store now; when true, exactly one of the record methods must follow. */
    public boolean tryAcquire() {
        return !forcedOpen && breaker.tryAcquirePermit();
    }

    public void recordSuccess() {
        breaker.recordSuccess();
    }

    public void recordFailure() {
        breaker.recordFailure();
    }

    /** {@code closed}, {@code open}, {@code half-open} or {@code forced-open}: one of {@link #STATES}. */
    public String state() {
        return forcedOpen ? "forced-open" : breaker.getState().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** For maintenance: skip the store until {@link #forceClose()}, however long that is. */
    public void forceOpen() {
        forcedOpen = true;
    }

    public void forceClose() {
        forcedOpen = false;
        breaker.close();
    }
}
