package dev.ratelimit.core;

import java.math.BigInteger;
import java.util.List;

/**
 * The token bucket in whole microseconds, shared by the Redis script's caller and the in-memory store
 * so that both decide alike. A bucket is the time at which it is full again; its debt is how far that
 * lies ahead of now (0 for a full bucket, at most the window). A request of {@code cost} tokens adds
 * {@link #costMicros} to the debt and passes when the debt stays within the window. The check and the
 * update use that one integer, so a full bucket always admits any cost up to its capacity.
 */
public final class TokenBucketArithmetic {

    private TokenBucketArithmetic() {
    }

    /**
     * The longest a reservation's tokens are held ({@link PrefetchLeases#HOLD_MILLIS}): a return relies on no
     * reservation of a bucket being counted later than this after it was made.
     */
    public static final long LONGEST_HOLD_MILLIS = PrefetchLeases.HOLD_MILLIS;

    /** The hold a reservation asking for {@code holdMillis} is counted with: at most {@link #LONGEST_HOLD_MILLIS}. */
    public static long heldMillis(long holdMillis) {
        return Math.max(0, Math.min(holdMillis, LONGEST_HOLD_MILLIS));
    }

    /**
     * Per limit, where a reservation's tokens end at least ({@code *-return.lua}'s {@code top}): counted from
     * its hold's end on, granted × cost after it.
     */
    public static long[] reservationTops(long nowMicros, long heldMillis, long granted, long[] costMicros) {
        long[] tops = new long[costMicros.length];
        for (int i = 0; i < tops.length; i++) {
            tops[i] = nowMicros + heldMillis * 1000 + granted * costMicros[i];
        }
        return tops;
    }

    public static long windowMicros(Limit limit) {
        return limit.windowMillis() * 1000;
    }

    /**
     * What {@code cost} tokens add to the debt: cost × window / capacity, rounded down (so a burst of
     * exactly the capacity passes), and at least 1 µs. Rounding down gives each request up to 1 µs:
     * only when a token lasts less than the capacity in µs (capacity² above the window in µs) does the
     * bucket refill measurably early.
     */
    public static long costMicros(Limit limit, long cost) {
        return Math.max(1, multiplyThenDivide(cost, windowMicros(limit), limit.permits()));
    }

    /** Whole tokens left at this debt: (window − debt) × capacity / window, rounded down, never negative. */
    public static long remaining(Limit limit, long debtMicros) {
        long window = windowMicros(limit);
        long left = window - debtMicros;
        return left <= 0 ? 0 : multiplyThenDivide(left, limit.permits(), window);
    }

    /** {@code a × b / c} rounded down, for non-negative a and b and positive c, without overflow. */
    static long multiplyThenDivide(long a, long b, long c) {
        if (b == 0 || a <= Long.MAX_VALUE / b) {
            return a * b / c;
        }
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValueExact();
    }

    /**
     * The decision for these debts, as both stores report it.
     *
     * @param costMicros {@link #costMicros} of the request, per limit
     * @param debtMicros per limit: after this request when it was allowed, as found when it was denied
     * @param nowMicros  the store's time of the decision
     */
    public static Decision decide(List<Limit> limits, long[] costMicros, long[] debtMicros, boolean allowed,
                                  long nowMicros, DecisionSource source) {
        int n = limits.size();
        if (n == 1) {
            return decide(limits.get(0), costMicros[0], debtMicros[0], allowed, nowMicros, source, null);
        }
        long[] remaining = new long[n];
        long[] fullMillis = new long[n];
        long[] waitMillis = new long[n];
        for (int i = 0; i < n; i++) {
            Limit limit = limits.get(i);
            remaining[i] = remaining(limit, debtMicros[i]);
            fullMillis[i] = ceilMillis(debtMicros[i]);
            waitMillis[i] = ceilMillis(debtMicros[i] + costMicros[i] - windowMicros(limit));
        }
        int bind = BindingLimit.index(allowed, remaining, fullMillis, waitMillis);
        long permits = limits.get(bind).permits();
        long resetAt = Math.floorDiv(nowMicros, 1000) + fullMillis[bind];
        return allowed
                ? Decision.allowed(permits, remaining[bind], resetAt, source, bind, fullMillis[bind], null)
                : Decision.denied(permits, remaining[bind], resetAt, waitMillis[bind], source, bind, fullMillis[bind], null);
    }

    /**
     * The same for a policy of one limit (the usual one), without the arrays.
     *
     * @param policy the policy it is made under ({@link Decision#policy()}); null when not made through one
     */
    public static Decision decide(Limit limit, long costMicros, long debtMicros, boolean allowed, long nowMicros,
                                  DecisionSource source, Policy policy) {
        long fullMillis = ceilMillis(debtMicros);
        long resetAt = Math.floorDiv(nowMicros, 1000) + fullMillis;
        long remaining = remaining(limit, debtMicros);
        return allowed
                ? Decision.allowed(limit.permits(), remaining, resetAt, source, 0, fullMillis, policy)
                : Decision.denied(limit.permits(), remaining, resetAt,
                        ceilMillis(debtMicros + costMicros - windowMicros(limit)), source, 0, fullMillis, policy);
    }

    /** Whole milliseconds, rounded up (time still to wait). */
    public static long ceilMillis(long micros) {
        return micros <= 0 ? 0 : (micros + 999) / 1000;
    }
}
