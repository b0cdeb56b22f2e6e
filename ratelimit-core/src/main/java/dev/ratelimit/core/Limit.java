package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * "N permits per window": {@code 100/1m}, {@code 10/s}, {@code 1000/1h}, {@code 5/250ms}.
 * For the fixed window it is N requests per window; for the token bucket N is the capacity and the
 * bucket refills N tokens per window, evenly.
 */
public final class Limit {

    /**
     * The largest N. It keeps a fixed-window counter far from any integer limit and every token-bucket
     * value exact: the Lua scripts count in doubles, exact up to 2^53.
     */
    public static final long MAX_PERMITS = 1_000_000_000L;

    /**
     * The longest window, 366 days: a token bucket's state is a Redis time in microseconds plus at most
     * one window, far below 2^53 for centuries to come.
     */
    public static final long MAX_WINDOW_MILLIS = 366L * 24 * 60 * 60 * 1000;

    /** What {@link #parseAll} accepts, for error messages. */
    public static final String ACCEPTED =
            "one or more comma-separated N/duration, N a whole number from 1 to " + MAX_PERMITS
                    + " and duration a number (optional, default 1) followed by ms, s, m, h or d, at most 366d,"
                    + " e.g. '100/1m' or '10/1s, 1000/1h'";

    private static final Pattern LIMIT = Pattern.compile("(\\d+)\\s*/\\s*(\\d*)\\s*(ms|s|m|h|d)");

    /** More digits than this is over either maximum (and 10 digits of days still fit a long in ms). */
    private static final int MAX_DIGITS = 10;

    private final long permits;
    private final long windowMillis;

    public Limit(long permits, long windowMillis) {
        if (permits < 1 || permits > MAX_PERMITS) {
            throw new IllegalArgumentException("permits must be from 1 to " + MAX_PERMITS + ", was " + permits);
        }
        if (windowMillis < 1 || windowMillis > MAX_WINDOW_MILLIS) {
            throw new IllegalArgumentException("window must be from 1 ms to 366 days, was " + windowMillis + " ms");
        }
        this.permits = permits;
        this.windowMillis = windowMillis;
    }

    /**
     * Parses one or more limits separated by commas.
     *
     * @param parameter the parameter name, for the error message
     * @throws ConfigurationException when the text is not a list of limits within the bounds
     */
    public static List<Limit> parseAll(String parameter, String text) {
        if (text == null || text.trim().isEmpty()) {
            throw new ConfigurationException(parameter, text, Limit.ACCEPTED);
        }
        List<Limit> limits = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            Matcher m = LIMIT.matcher(part.trim().toLowerCase(Locale.ROOT));
            if (!m.matches() || m.group(1).length() > MAX_DIGITS || m.group(2).length() > MAX_DIGITS) {
                throw new ConfigurationException(parameter, text, ACCEPTED);
            }
            long permits = Long.parseLong(m.group(1));
            long amount = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
            long window = amount * Durations.unitMillis(m.group(3));
            if (permits < 1 || permits > MAX_PERMITS || window < 1 || window > MAX_WINDOW_MILLIS) {
                throw new ConfigurationException(parameter, text, ACCEPTED);
            }
            limits.add(new Limit(permits, window));
        }
        return Collections.unmodifiableList(limits);
    }

    public long permits() {
        return permits;
    }

    public long windowMillis() {
        return windowMillis;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit && ((Limit) o).permits == permits && ((Limit) o).windowMillis == windowMillis;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(permits) * 31 + Long.hashCode(windowMillis);
    }

    /** The same text {@link #parseAll} reads, e.g. {@code 100/1m}. */
    @Override
    public String toString() {
        return permits + "/" + Durations.format(windowMillis);
    }
}
