package dev.ratelimit.core;

/** The answer to a permit request: granted or not, and what the response headers tell the client. */
public final class PermitDecision {

    private final boolean granted;
    private final long limit;
    private final long remaining;
    private final DecisionSource source;
    private final long expiredHolders;

    private PermitDecision(boolean granted, long limit, long remaining, DecisionSource source, long expiredHolders) {
        this.granted = granted;
        this.limit = limit;
        this.remaining = remaining;
        this.source = source;
        this.expiredHolders = expiredHolders;
    }

    public static PermitDecision granted(long limit, long remaining, DecisionSource source) {
        return new PermitDecision(true, limit, remaining, source, 0);
    }

    public static PermitDecision denied(long limit, DecisionSource source) {
        return new PermitDecision(false, limit, 0, source, 0);
    }

    /** The same decision, having dropped this many holders past their lease (see {@link #expiredHolders()}). */
    public PermitDecision withExpiredHolders(long holders) {
        return new PermitDecision(granted, limit, remaining, source, holders);
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

    /**
     * Holders of this identity the store found past their lease and dropped while deciding: permits
     * recovered from requests whose instance stopped renewing them (it died, or lost the store for a whole
     * lease). Each expired holder is dropped, and so counted, by one acquire only.
     */
    public long expiredHolders() {
        return expiredHolders;
    }

    @Override
    public String toString() {
        return (granted ? "granted" : "denied") + " " + remaining + "/" + limit + " (" + source + ")"
                + (expiredHolders == 0 ? "" : " expired " + expiredHolders);
    }
}
