package dev.ratelimit.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per rejection on the logger {@value #LOGGER}, at most {@code maxPerSecond} lines per second
 * for the whole application, so a flood of denied requests cannot fill the disk. Lines over the bound
 * are counted, and the next line written says how many were dropped. (Pair it with a size-capped
 * appender: see etc/logback.xml.) Every value is escaped by {@link LogValues}, so values from a request
 * can neither break the line nor forge a {@code key=value} field.
 */
public final class AuditLog {

    public static final String LOGGER = "dev.ratelimit.audit";
    /** Default {@code audit-max-per-second}. */
    public static final int DEFAULT_MAX_PER_SECOND = 100;

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final long maxPerSecond;
    private final LongSupplier nanoClock;
    private final AtomicLong windowStart;
    private final AtomicLong writtenInWindow = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    public AuditLog(int maxPerSecond) {
        this(maxPerSecond, System::nanoTime);
    }

    /** @param nanoClock {@link System#nanoTime()}, or a test's clock */
    AuditLog(int maxPerSecond, LongSupplier nanoClock) {
        this.maxPerSecond = maxPerSecond;
        this.nanoClock = nanoClock;
        this.windowStart = new AtomicLong(nanoClock.getAsLong());
    }

    /** Key-value pairs, e.g. {@code denied policy=api scope=api route=/x address=… source=redis}; keys are ours, values escaped. */
    public void write(String event, Object... keyValues) {
        if (admit()) {
            writeAdmitted(event, keyValues);
        }
    }

    /**
     * Whether a line may be written now, counted against the bound as {@link #write} counts it (a refused one
     * as dropped); then {@link #writeAdmitted}. For callers whose values cost something to gather: a flood of
     * denials then gathers them only for the lines written.
     */
    public boolean admit() {
        return LOG.isInfoEnabled() && permit();
    }

    /** The line {@link #write} writes, after {@link #admit} said yes. */
    public void writeAdmitted(String event, Object... keyValues) {
        StringBuilder line = line(event, keyValues);
        long skipped = dropped.getAndSet(0);
        if (skipped > 0) {
            line.append(" (").append(skipped).append(" audit line(s) dropped before this one: over ")
                    .append(maxPerSecond).append("/s)");
        }
        LOG.info(line.toString());
    }

    /**
     * An operator's change (JMX and live overrides, a status page): always written and not counted against
     * the bound, so a flood of denials can never hide who changed what. Operators are few, and their actions
     * are guarded (JMX access; role, token) before they get here; never a client makes these lines.
     */
    public void writeAction(String event, Object... keyValues) {
        if (LOG.isInfoEnabled()) {
            LOG.info(line(event, keyValues).toString());
        }
    }

    private static StringBuilder line(String event, Object... keyValues) {
        StringBuilder line = new StringBuilder(event);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            line.append(' ').append(keyValues[i]).append('=').append(LogValues.escape(keyValues[i + 1]));
        }
        return line;
    }

    private boolean permit() {
        long now = nanoClock.getAsLong();
        long start = windowStart.get();
        if (now - start >= TimeUnit.SECONDS.toNanos(1) && windowStart.compareAndSet(start, now)) {
            writtenInWindow.set(0);
        }
        if (writtenInWindow.incrementAndGet() <= maxPerSecond) {
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }
}
