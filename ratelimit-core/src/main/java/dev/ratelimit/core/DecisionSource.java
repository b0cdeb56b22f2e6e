package dev.ratelimit.core;

import java.util.Locale;

/** Who made a decision. */
public enum DecisionSource {
    /** The shared Redis store: the limit holds across every instance. */
    REDIS,
    /** This instance's in-memory store: the limit holds per instance. */
    MEMORY,
    /** No store answered; the failure mode decided (allow for {@code open}, deny for {@code closed}). */
    BYPASS;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
