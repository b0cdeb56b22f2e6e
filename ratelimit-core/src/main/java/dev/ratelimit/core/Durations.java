package dev.ratelimit.core;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations operators write in web.xml: {@code 250ms}, {@code 10s}, {@code 1m}, {@code 2h}, {@code 1d}. */
public final class Durations {

    /** What {@link #parseMillis} accepts, for error messages. */
    public static final String ACCEPTED = "a whole number followed by ms, s, m, h or d (e.g. 250ms, 10s, 1m)";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /** @return the duration in milliseconds, or -1 when the text is not a duration */
    public static long parseMillis(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return -1;
        }
        long amount = Long.parseLong(m.group(1));
        return amount * unitMillis(m.group(2));
    }

    static long unitMillis(String unit) {
        switch (unit) {
            case "ms":
                return 1;
            case "s":
                return TimeUnit.SECONDS.toMillis(1);
            case "m":
                return TimeUnit.MINUTES.toMillis(1);
            case "h":
                return TimeUnit.HOURS.toMillis(1);
            case "d":
                return TimeUnit.DAYS.toMillis(1);
            default:
                throw new IllegalArgumentException(unit);
        }
    }

    /** The shortest exact text for a duration, e.g. 60000 → {@code 1m}. */
    public static String format(long millis) {
        String[] units = {"d", "h", "m", "s"};
        for (String unit : units) {
            long size = unitMillis(unit);
            if (millis % size == 0) {
                return (millis / size) + unit;
            }
        }
        return millis + "ms";
    }
}
