package dev.ratelimit.core;

/**
 * Permits of several requests of one identity, taken from a store in one call to be spent by this
 * instance ({@code prefetch}): {@link RateLimitStore#reserve}. Each unit is one request's {@code cost}
 * permits of every limit, taken all-or-nothing; a store that cannot give every unit asked for gives what
 * fits, so the last permits of a window are not stranded. Immutable.
 */
public final class Reservation {

    private final long units;
    private final Decision decision;
    private final long[] marks;
    private final long holdMillis;

    /**
     * @param units      requests granted; 0 when not even one fits (then {@code decision} denies)
     * @param decision   as the store reports a request taking every unit granted (remaining after all of them),
     *                   or, when none was granted, the denial of one request
     * @param marks      per limit, what {@link RateLimitStore#giveBack} needs to find the units again: the
     *                   window's end (fixed window), the time the units were logged at (sliding window), where
     *                   their tokens end at least (token bucket, µs: {@link TokenBucketArithmetic#reservationTops})
     * @param holdMillis from the store's answer, how long the units may be spent: until the first of the
     *                   windows they were counted in ends (fixed window), as asked (sliding window), as asked up
     *                   to {@link TokenBucketArithmetic#LONGEST_HOLD_MILLIS}, or 0 when only one request that is
     *                   spent at once fits (token bucket)
     */
    public Reservation(long units, Decision decision, long[] marks, long holdMillis) {
        this.units = units;
        this.decision = decision;
        this.marks = marks.clone();
        this.holdMillis = holdMillis;
    }

    public long units() {
        return units;
    }

    public Decision decision() {
        return decision;
    }

    /** The store's mark of limit {@code i}. */
    public long mark(int i) {
        return marks[i];
    }

    public long holdMillis() {
        return holdMillis;
    }

    @Override
    public String toString() {
        return units + " unit(s), hold " + holdMillis + " ms, " + decision;
    }
}
