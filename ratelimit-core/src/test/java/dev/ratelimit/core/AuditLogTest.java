package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

class AuditLogTest {

    private final Logger logger = (Logger) org.slf4j.LoggerFactory.getLogger(AuditLog.LOGGER);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Level previous;

    @BeforeEach
    void capture() {
        previous = logger.getLevel();
        logger.setLevel(Level.INFO);
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
        logger.setLevel(previous);
    }

    @Test
    void writes_one_structured_line_per_rejection() {
        new AuditLog(10).write("denied", "policy", "api", "address", "203.0.113.7", "source", "redis");
        assertThat(lines.list).singleElement().extracting(ILoggingEvent::getFormattedMessage)
                .isEqualTo("denied policy=api address=203.0.113.7 source=redis");
    }

    @Test
    void request_values_cannot_break_the_line_or_forge_fields() {
        AuditLog audit = new AuditLog(100);
        audit.write("denied", "route", "/api/x\nINFO denied policy=admin", "address", "1.2.3.4");
        audit.write("denied", "route", "/api/x%0Afake-audit-line", "method", "GET\r\n");
        audit.write("denied", "route", "/x address=9.9.9.9", "user", "\"bob\" 'o'", "tenant", "café\u2028\u0000");
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "denied route=/api/x%0AINFO%20denied%20policy%3Dadmin address=1.2.3.4",
                "denied route=/api/x%250Afake-audit-line method=GET%0D%0A",
                "denied route=/x%20address%3D9.9.9.9 user=%22bob%22%20%27o%27 tenant=caf%C3%A9%E2%80%A8%00");
    }

    @Test
    void a_huge_value_is_cut_saying_how_much_was_left_out() {
        new AuditLog(100).write("denied", "route", "/" + "a".repeat(10_000));
        String line = lines.list.get(0).getFormattedMessage();
        assertThat(line).hasSizeLessThan(LogValues.MAX_LENGTH + 50).endsWith("...(+9745_bytes)");
    }

    @Test
    void writes_at_most_its_bound_per_second_and_reports_what_it_dropped() {
        AtomicLong nanos = new AtomicLong(7_000_000_000L);
        AuditLog audit = new AuditLog(5, nanos::get);
        for (int i = 0; i < 1_000; i++) {
            audit.write("denied", "n", i);
        }
        assertThat(lines.list).hasSize(5);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        audit.write("denied", "n", "still-the-same-second");
        assertThat(lines.list).hasSize(5);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        audit.write("denied", "n", "after");
        assertThat(lines.list).hasSize(6);
        assertThat(lines.list.get(5).getFormattedMessage()).isEqualTo("denied n=after (996 audit line(s) dropped before this one: over 5/s)");
    }
}
