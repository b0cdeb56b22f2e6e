package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.HttpLoad;
import dev.ratelimit.testing.HttpLoad.Answer;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * Issue 20, scenario 6: two Tomcats (two instances of one application) share one real redis-server, which is
 * killed and started again on the same port while both carry traffic; the new server has no scripts cached.
 * Both return to Redis by themselves (breaker closed, requests counted again, {@code NOSCRIPT} answered by
 * reloading the scripts), and a fresh identity then gets exactly its limit across both instances. Prints
 * {@code [restart]} lines for RELIABILITY.md.
 */
class TwoInstancesRedisRestartTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    static final int LIMIT = 20;
    static final long BREAKER_OPEN = 1_000;
    static final long DOWN = 1_000;
    private static final MBeanServer MBEANS = ManagementFactory.getPlatformMBeanServer();

    private static Map<String, String> params() {
        return Map.of("redis-url", REDIS.url(), "limits", LIMIT + "/1h", "key", "header:X-Client",
                "failure-mode", "open", "timeout", "500ms", "connect-timeout", "500ms", "pool-max-wait", "200ms",
                "breaker-open", BREAKER_OPEN + "ms");
    }

    private static String breakerState(String app) throws Exception {
        String[] lines = (String[]) MBEANS.getAttribute(
                new ObjectName("dev.ratelimit:app=" + app + ",type=Control,name=control"), "BreakerStates");
        return lines[0].substring(lines[0].lastIndexOf(' ') + 1);
    }

    @Test
    void both_instances_return_to_redis_by_themselves_and_count_exactly_after_a_restart() throws Exception {
        try (EmbeddedTomcat one = new EmbeddedTomcat(); EmbeddedTomcat two = new EmbeddedTomcat()) {
            one.deploy("/one", params(), Map.of());
            two.deploy("/two", params(), Map.of());
            // Threads 0 and 1 load instance one, 2 and 3 instance two; every request a new client, so admitted.
            HttpLoad load = new HttpLoad(4, t -> t < 2 ? "http://127.0.0.1:" + one.port() + "/one/x"
                    : "http://127.0.0.1:" + two.port() + "/two/x", t -> "load-" + UUID.randomUUID());
            Thread.sleep(1_000);
            long killedAt = load.now();
            REDIS.redis().stop();
            Thread.sleep(DOWN);
            REDIS.redis().restart(); // same port; a new process: no keys, no scripts, pooled connections dead
            long restartedAt = load.now();

            long[] backAt = {-1, -1};
            long deadline = restartedAt + 15_000;
            while ((backAt[0] < 0 || backAt[1] < 0) && load.now() < deadline) {
                long now = load.now();
                for (int instance = 0; instance < 2; instance++) {
                    int first = 2 * instance;
                    if (backAt[instance] < 0 && breakerState(instance == 0 ? "one" : "two").equals("closed")
                            && load.sentBetween(restartedAt, now).stream()
                            .anyMatch(a -> a.counted() && (a.thread() == first || a.thread() == first + 1))) {
                        backAt[instance] = now;
                    }
                }
                Thread.sleep(5);
            }
            Thread.sleep(500);
            List<String> stuck = load.stop(HttpLoad.REQUEST_TIMEOUT.plusSeconds(5));
            List<Answer> all = load.answers();
            List<Answer> afterBack = load.sentBetween(Math.max(backAt[0], backAt[1]), Long.MAX_VALUE);
            String commandStats = REDIS.redis().command("INFO", "commandstats");
            String errorStats = REDIS.redis().command("INFO", "errorstats");

            long uncountedDuringOutage = load.sentBetween(killedAt, restartedAt).stream().filter(a -> !a.counted()).count();
            System.out.printf("[restart] two instances, 4 client threads, redis-server killed, down %d ms, started again on"
                            + " the same port; breaker-open %d ms%n", DOWN, BREAKER_OPEN);
            System.out.printf("[restart] requests %d, answers per status %s, worst latency %d ms, %d answered by failure mode"
                            + " open while Redis was down%n", all.size(), HttpLoad.perStatus(all), HttpLoad.worstLatency(all),
                    uncountedDuringOutage);
            System.out.printf("[restart] back on Redis after the restart: instance one %d ms, instance two %d ms%n",
                    backAt[0] < 0 ? -1 : backAt[0] - restartedAt, backAt[1] < 0 ? -1 : backAt[1] - restartedAt);
            assertThat(stuck).as("load threads still running").isEmpty();
            assertThat(HttpLoad.perStatus(all)).as("answers per status").containsOnlyKeys(200);
            assertThat(backAt[0]).as("instance one back on Redis").isNotNegative();
            assertThat(backAt[1]).as("instance two back on Redis").isNotNegative();
            assertThat(afterBack.stream().filter(Answer::counted).count()).as("counted once back, of " + afterBack.size())
                    .isGreaterThanOrEqualTo(afterBack.size() * 95L / 100);
            assertThat(errorStats).as("the new server answered NOSCRIPT (scripts gone)").contains("errorstat_NOSCRIPT");
            assertThat(commandStats).as("and the scripts were sent again").contains("cmdstat_eval:");

            // Exactness after recovery: a fresh client, 100 requests at once, half to each instance.
            String client = "exact-" + UUID.randomUUID();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<List<HttpResponse<String>>>> sent = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                EmbeddedTomcat instance = t < 2 ? one : two;
                String path = t < 2 ? "/one/x" : "/two/x";
                sent.add(pool.submit(() -> {
                    List<HttpResponse<String>> responses = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        responses.add(instance.get(path, "X-Client", client));
                    }
                    return responses;
                }));
            }
            int admitted = 0;
            int refused = 0;
            int uncounted = 0;
            for (Future<List<HttpResponse<String>>> f : sent) {
                for (HttpResponse<String> r : f.get(60, TimeUnit.SECONDS)) {
                    boolean counted = r.headers().firstValue("X-RateLimit-Limit").isPresent();
                    if (!counted) {
                        uncounted++;
                    } else if (r.statusCode() == 200) {
                        admitted++;
                    } else if (r.statusCode() == 429) {
                        refused++;
                    }
                }
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            System.out.printf("[restart] after recovery, one fresh client, limit %d, 100 requests over both instances:"
                    + " %d admitted, %d refused (429), %d not counted%n", LIMIT, admitted, refused, uncounted);
            assertThat(uncounted).as("answers not decided by Redis").isZero();
            assertThat(admitted).as("admitted across both instances").isEqualTo(LIMIT);
            assertThat(refused).isEqualTo(100 - LIMIT);
        }
    }
}
