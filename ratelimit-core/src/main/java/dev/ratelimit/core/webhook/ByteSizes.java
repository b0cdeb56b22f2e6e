package dev.ratelimit.core.webhook;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ratelimit.core.ConfigurationException;

/** Parses the sizes operators write: {@code 1048576}, {@code 512KiB}, {@code 1MiB}. */
public final class ByteSizes {

    public static final String ACCEPTED = "a whole number of bytes, optionally followed by B, KiB or MiB"
            + " (e.g. 1048576, 512KiB, 1MiB)";

    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(b|kib|mib)?");
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    private ByteSizes() {
    }

    public static long parse(String parameter, String text, long min, long max) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            String unit = m.group(2);
            long bytes = Long.parseLong(m.group(1)) * ("kib".equals(unit) ? KIB : "mib".equals(unit) ? MIB : 1);
            if (bytes >= min && bytes <= max) {
                return bytes;
            }
        }
        throw new ConfigurationException(parameter, text, ACCEPTED + ", from " + format(min) + " to " + format(max));
    }

    /** The shortest exact text, e.g. 1048576 → {@code 1MiB}. */
    public static String format(long bytes) {
        if (bytes > 0 && bytes % MIB == 0) {
            return bytes / MIB + "MiB";
        }
        if (bytes > 0 && bytes % KIB == 0) {
            return bytes / KIB + "KiB";
        }
        return bytes + "B";
    }
}
