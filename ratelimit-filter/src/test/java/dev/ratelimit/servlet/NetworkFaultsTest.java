package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.FaultProxy;
import dev.ratelimit.testing.HttpLoad;
import dev.ratelimit.testing.HttpLoad.Answer;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * Issue 20, scenario 3: network faults between the application and Redis, injected by a {@link FaultProxy}
 * in front of a real redis-server, while four HTTP clients load a real embedded Tomcat whose filter
 * ({@code failure-mode} open) counts in Redis through the proxy. For each fault: every request answers within
 * the budget the settings give it, the failure mode decides while the fault lasts (200 without
 * {@code X-RateLimit-*}), the breaker opens and, once the fault is gone, closes again (read from the control
 * MBean), and no client thread hangs. Prints one {@code [faults]} table row per fault for RELIABILITY.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkFaultsTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    static final long TIMEOUT = 150;
    static final long CONNECT_TIMEOUT = 200;
    static final long POOL_WAIT = 100;
    static final long BREAKER_OPEN = 1_000;
    /** The documented worst case of one request (README, "When Redis is down"): pool-max-wait + 2 × (connect-timeout + timeout). */
    static final long BUDGET = POOL_WAIT + 2 * (CONNECT_TIMEOUT + TIMEOUT);
    /** Added on top for HTTP on loopback and scheduling on a 2-core machine shared with other builds. */
    static final long MARGIN = 400;
    /** How long each fault lasts: more than the budget and the breaker's open interval together. */
    static final long FAULT = 2_500;
    static final int THREADS = 4;

    private static final MBeanServer MBEANS = ManagementFactory.getPlatformMBeanServer();
    private static FaultProxy proxy;
    private static EmbeddedTomcat tomcat;

    @BeforeAll
    static void start() {
        proxy = new FaultProxy(REDIS.redis().host(), REDIS.redis().port());
        tomcat = new EmbeddedTomcat();
        tomcat.deploy("/faults", Map.of(
                "redis-url", proxy.url(),
                "limits", "1000000/1h",
                "failure-mode", "open",
                "timeout", TIMEOUT + "ms",
                "connect-timeout", CONNECT_TIMEOUT + "ms",
                "pool-max-wait", POOL_WAIT + "ms",
                "breaker-failures", "5",
                "breaker-open", BREAKER_OPEN + "ms",
                "breaker-probes", "3"), Map.of());
        System.out.printf("[faults] timeout %d ms, connect-timeout %d ms, pool-max-wait %d ms, breaker 5 failures / open %d ms"
                + " / 3 probes; budget %d ms + margin %d ms; %d client threads; each fault lasts %d ms%n",
                TIMEOUT, CONNECT_TIMEOUT, POOL_WAIT, BREAKER_OPEN, BUDGET, MARGIN, THREADS, FAULT);
        System.out.println("[faults] | fault | requests | answers per status | worst latency | breaker open after"
                + " | back on Redis after the fault ended |");
        System.out.println("[faults] |---|---|---|---|---|---|");
    }

    @AfterAll
    static void stop() {
        if (tomcat != null) {
            tomcat.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private static String breakerState() throws Exception {
        String[] lines = (String[]) MBEANS.getAttribute(
                new ObjectName("dev.ratelimit:app=faults,type=Control,name=control"), "BreakerStates");
        assertThat(lines).hasSize(1);
        return lines[0].substring(lines[0].lastIndexOf(' ') + 1);
    }

    /** What one fault showed. */
    record Run(String fault, List<Answer> all, List<Answer> whileOpen, List<Answer> afterBack, long openedAfter,
               long backAfter, List<String> stuck) {
    }

    /**
     * Runs the load, injects the fault after half a second, lifts it {@link #FAULT} ms later, and waits until
     * the breaker is closed and a request sent after that was counted by Redis again.
     */
    private static Run run(String fault, Runnable inject) throws Exception {
        assertThat(breakerState()).as("breaker before " + fault).isEqualTo("closed");
        HttpLoad load = new HttpLoad(THREADS, t -> "http://127.0.0.1:" + tomcat.port() + "/faults/x", t -> null);
        Thread.sleep(500);
        long faultAt = load.now();
        inject.run();
        long openedAt = -1;
        while (load.now() < faultAt + FAULT) {
            if (openedAt < 0 && breakerState().equals("open")) {
                openedAt = load.now();
            }
            Thread.sleep(5);
        }
        long endedAt = load.now();
        proxy.passThrough();
        long backAt = -1;
        long deadline = endedAt + BREAKER_OPEN + 2 * BUDGET + 5_000;
        while (backAt < 0 && load.now() < deadline) {
            long now = load.now();
            if (breakerState().equals("closed")
                    && load.sentBetween(endedAt, now).stream().anyMatch(a -> a.counted() && a.status() == 200)) {
                backAt = now;
            }
            Thread.sleep(5);
        }
        Thread.sleep(500);
        long stoppedAt = load.now();
        List<String> stuck = load.stop(HttpLoad.REQUEST_TIMEOUT.plusSeconds(5));
        List<Answer> all = load.answers();
        List<Answer> whileOpen = openedAt < 0 ? List.of()
                : load.sentBetween(openedAt, endedAt).stream().filter(a -> a.endMillis() < endedAt).toList();
        List<Answer> afterBack = backAt < 0 ? List.of() : load.sentBetween(backAt, stoppedAt);
        Run run = new Run(fault, all, whileOpen, afterBack, openedAt < 0 ? -1 : openedAt - faultAt,
                backAt < 0 ? -1 : backAt - endedAt, stuck);
        System.out.printf("[faults] | %s | %d | %s | %d ms | %s | %s |%n", fault, all.size(),
                HttpLoad.perStatus(all), HttpLoad.worstLatency(all),
                run.openedAfter < 0 ? "stayed closed" : run.openedAfter + " ms",
                run.backAfter < 0 ? "not back" : run.backAfter + " ms");
        return run;
    }

    /** Every request answered 200 in time, nothing hung, and Redis counts again after the fault. */
    private static void answeredInTime(Run run) {
        assertThat(run.stuck).as("load threads still running").isEmpty();
        assertThat(HttpLoad.perStatus(run.all)).as("answers per status").containsOnlyKeys(200);
        assertThat(HttpLoad.worstLatency(run.all)).as("worst latency, ms").isLessThanOrEqualTo(BUDGET + MARGIN);
        assertThat(run.backAfter).as("ms from the fault's end until Redis counted again").isNotNegative();
        assertThat(run.afterBack).isNotEmpty();
        assertThat(run.afterBack.stream().filter(Answer::counted).count())
                .as("answers counted by Redis once back, of " + run.afterBack.size())
                .isGreaterThanOrEqualTo(run.afterBack.size() * 95L / 100);
    }

    /** And while the fault lasted, the breaker opened and failure mode open decided: 200 without headers. */
    private static void failedOpen(Run run) {
        answeredInTime(run);
        assertThat(run.openedAfter).as("ms from the fault until the breaker opened").isNotNegative();
        assertThat(run.whileOpen).isNotEmpty();
        long counted = run.whileOpen.stream().filter(Answer::counted).count();
        assertThat(counted).as("answers counted by Redis while the fault lasted, of " + run.whileOpen.size()).isZero();
    }

    @Test
    @Order(1)
    void pass_through_changes_nothing() throws Exception {
        Run run = run("none (pass-through)", proxy::passThrough);
        answeredInTime(run);
        assertThat(run.openedAfter).as("breaker opened without a fault").isNegative();
        assertThat(run.all.stream().filter(Answer::counted).count()).isGreaterThanOrEqualTo(run.all.size() * 95L / 100);
    }

    @Test
    @Order(2)
    void latency_below_the_timeout_only_slows_requests_down() throws Exception {
        Run run = run("latency 50 ms per reply chunk", () -> proxy.latency(50));
        answeredInTime(run);
        assertThat(run.all.stream().filter(Answer::counted).count())
                .as("counted by Redis, of " + run.all.size()).isGreaterThanOrEqualTo(run.all.size() * 95L / 100);
    }

    @Test
    @Order(3)
    void latency_above_the_timeout_fails_open() throws Exception {
        failedOpen(run("latency 400 ms per reply chunk", () -> proxy.latency(400)));
    }

    @Test
    @Order(4)
    void connection_resets_fail_open() throws Exception {
        failedOpen(run("every connection reset (RST)", proxy::reset));
    }

    @Test
    @Order(5)
    void a_black_hole_fails_open() throws Exception {
        failedOpen(run("black hole (accepts, reads, never answers)", proxy::blackHole));
    }

    @Test
    @Order(6)
    void a_slow_drip_fails_open_within_the_budget() throws Exception {
        failedOpen(run("slow drip (1 byte / 100 ms)", () -> proxy.drip(100)));
    }
}
