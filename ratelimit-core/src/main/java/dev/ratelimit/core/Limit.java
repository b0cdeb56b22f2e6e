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

    /** What {@link #parse} accepts, for error messages. */
    public static final String ACCEPTED =
            "one or more comma-separated N/duration, N a positive whole number and duration a number (optional, default 1)"
                    + " followed by ms, s, m, h or d, e.g. '100/1m' or '10/1s, 1000/1h'";

    private static final Pattern LIMIT = Pattern.compile("(\\d{1,9})\\s*/\\s*(\\d{0,9})\\s*(ms|s|m|h|d)");

    private final long permits;
    private final long windowMillis;

    public Limit(long permits, long windowMillis) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, was " + permits);
        }
        if (windowMillis < 1) {
            throw new IllegalArgumentException("window must be at least 1 ms, was " + windowMillis);
        }
        this.permits = permits;
        this.windowMillis = windowMillis;
    }

    /**
     * Parses one or more limits separated by commas.
     *
     * @param parameter the parameter name, for the error message
     * @throws ConfigurationException when the text is not a list of limits
     */
    public static List<Limit> parseAll(String parameter, String text) {
        if (text == null || text.trim().isEmpty()) {
            throw new ConfigurationException(parameter, text, Limit.ACCEPTED);
        }
        List<Limit> limits = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            Matcher m = LIMIT.matcher(part.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new ConfigurationException(parameter, text, ACCEPTED);
            }
            long permits = Long.parseLong(m.group(1));
            long amount = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
            long window = amount * Durations.unitMillis(m.group(3));
            if (permits < 1 || window < 1) {
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
