package dev.ratelimit.core;

/** The answer to a permit request: granted or not, and what the response headers tell the client. */
public final class PermitDecision {

    private final boolean granted;
    private final long limit;
    private final long remaining;
    private final DecisionSource source;

    private PermitDecision(boolean granted, long limit, long remaining, DecisionSource source) {
        this.granted = granted;
        this.limit = limit;
        this.remaining = remaining;
        this.source = source;
    }

    public static PermitDecision granted(long limit, long remaining, DecisionSource source) {
        return new PermitDecision(true, limit, remaining, source);
    }

    public static PermitDecision denied(long limit, DecisionSource source) {
        return new PermitDecision(false, limit, 0, source);
    }

    public boolean granted() {
        return granted;
    }

    /** Requests of this identity allowed in flight at once. */
    public long limit() {
        return limit;
    }

    /** Permits left after this one: how many more requests may start now. */
    public long remaining() {
        return remaining;
    }

    public DecisionSource source() {
        return source;
    }

    @Override
    public String toString() {
        return (granted ? "granted" : "denied") + " " + remaining + "/" + limit + " (" + source + ")";
    }
}
