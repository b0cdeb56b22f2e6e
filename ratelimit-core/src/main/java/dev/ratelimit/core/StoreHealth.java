package dev.ratelimit.core;

/** A store's answer to a health probe: whether it answered, how fast, and its circuit breaker's state. */
public final class StoreHealth {

    private final boolean up;
    private final long latencyMicros;
    private final String breakerState;
    private final String detail;

    public StoreHealth(boolean up, long latencyMicros, String breakerState, String detail) {
        this.up = up;
        this.latencyMicros = latencyMicros;
        this.breakerState = breakerState;
        this.detail = detail;
    }

    public boolean up() {
        return up;
    }

    /** Round trip of the probe (Redis PING), microseconds; 0 for the in-memory store. */
    public long latencyMicros() {
        return latencyMicros;
    }

    /** {@code closed}, {@code open}, {@code half-open}, or {@code none} for stores without a breaker. */
    public String breakerState() {
        return breakerState;
    }

    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return (up ? "UP" : "DOWN") + " latency=" + latencyMicros + "us breaker=" + breakerState + " " + detail;
    }
}
