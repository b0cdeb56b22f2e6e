package dev.ratelimit.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

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
    private final StoreCircuitBreaker parent;
    private final String storeName;
    private final int failures;
    private final long openMillis;
    private final int probes;
    /** One breaker per Redis Cluster master, by {@code host:port}: bounded by the topology, not by requests. */
    private final ConcurrentMap<String, StoreCircuitBreaker> nodes = new ConcurrentHashMap<>();

    public StoreCircuitBreaker(String storeName, int failures, long openMillis, int probes) {
        this(null, storeName, failures, openMillis, probes);
    }

    private StoreCircuitBreaker(StoreCircuitBreaker parent, String storeName, int failures, long openMillis, int probes) {
        this.parent = parent;
        this.storeName = storeName;
        this.failures = failures;
        this.openMillis = openMillis;
        this.probes = probes;
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
        return !forcedOpen && (parent == null || !parent.forcedOpen) && breaker.tryAcquirePermit();
    }

    /**
     * The breaker of one node of a Redis Cluster (same settings, created on first use), so a failing
     * master opens the breaker for its own slots only. Forcing this breaker open or closed forces its
     * node breakers too.
     */
    public StoreCircuitBreaker forNode(String node) {
        return nodes.computeIfAbsent(node,
                n -> new StoreCircuitBreaker(this, storeName + " node " + n, failures, openMillis, probes));
    }

    /** Forgets the breakers of nodes that no longer serve slots (a failed master after its replica took over). */
    public void keepNodes(Collection<String> live) {
        nodes.keySet().retainAll(live);
    }

    /** State per Cluster node ({@code host:port}), sorted; empty when no node breaker was made. */
    public Map<String, String> nodeStates() {
        Map<String, String> states = new TreeMap<>();
        nodes.forEach((node, b) -> states.put(node, b.state()));
        return states;
    }

    public void recordSuccess() {
        breaker.recordSuccess();
    }

    public void recordFailure() {
        breaker.recordFailure();
    }

    /**
     * {@code closed}, {@code open}, {@code half-open} or {@code forced-open}: one of {@link #STATES}. With
     * node breakers (Redis Cluster), the worst of this breaker's and theirs (see {@link #nodeStates()}).
     */
    public String state() {
        if (forcedOpen || (parent != null && parent.forcedOpen)) {
            return "forced-open";
        }
        String worst = breaker.getState().name().toLowerCase(Locale.ROOT).replace('_', '-');
        for (StoreCircuitBreaker node : nodes.values()) {
            String state = node.state();
            if (STATES.indexOf(state) > STATES.indexOf(worst)) {
                worst = state;
            }
        }
        return worst;
    }

    /** For maintenance: skip the store until {@link #forceClose()}, however long that is. */
    public void forceOpen() {
        forcedOpen = true;
    }

    public void forceClose() {
        forcedOpen = false;
        breaker.close();
        nodes.values().forEach(StoreCircuitBreaker::forceClose);
    }
}
