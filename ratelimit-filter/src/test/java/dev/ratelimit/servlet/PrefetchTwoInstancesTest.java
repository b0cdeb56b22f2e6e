package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.catalina.Context;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.HttpLoad;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * The init-param {@code prefetch} in two embedded Tomcats sharing one real redis-server: one hot client,
 * {@code limits=1000/1m}, {@code prefetch=50}, demand well over the limit through both. Together they never
 * admit more than 1000, admit at least 950, and call Redis at most once per ten admitted requests. Prints a
 * {@code [prefetch-filter]} line.
 */
class PrefetchTwoInstancesTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static Map<String, String> params() {
        return Map.of("redis-url", REDIS.url(), "limits", "1000/1m", "prefetch", "50", "key", "header:X-Client",
                "failure-mode", "closed", "timeout", "500ms", "connect-timeout", "500ms", "pool-max-wait", "200ms");
    }

    @Test
    void two_tomcats_admit_at_most_the_limit_and_nearly_all_of_it_with_few_redis_calls() throws Exception {
        try (EmbeddedTomcat one = new EmbeddedTomcat(); EmbeddedTomcat two = new EmbeddedTomcat()) {
            one.deploy("/one", params(), Map.of());
            two.deploy("/two", params(), Map.of());
            String client = "hot-" + UUID.randomUUID();
            long callsBefore = REDIS.redis().scriptCalls();
            HttpLoad load = new HttpLoad(8, t -> t % 2 == 0 ? "http://127.0.0.1:" + one.port() + "/one/x"
                    : "http://127.0.0.1:" + two.port() + "/two/x", t -> client);
            long deadline = System.currentTimeMillis() + 30_000;
            while (load.answers().size() < 4_000 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            List<String> stuck = load.stop(HttpLoad.REQUEST_TIMEOUT.plusSeconds(5));
            List<HttpLoad.Answer> answers = load.answers();
            long admitted = answers.stream().filter(a -> a.status() == 200).count();
            long calls = REDIS.redis().scriptCalls() - callsBefore;
            System.out.printf("[prefetch-filter] two Tomcats, limits 1000/1m, prefetch 50: %d requests, per status %s,"
                    + " %d script calls (%.3f per admitted)%n", answers.size(), HttpLoad.perStatus(answers), calls,
                    (double) calls / admitted);
            assertThat(stuck).isEmpty();
            assertThat(answers.size()).as("demand well over the limit").isGreaterThanOrEqualTo(3_000);
            assertThat(HttpLoad.perStatus(answers)).containsOnlyKeys(200, 429);
            assertThat(admitted).isLessThanOrEqualTo(1000).isGreaterThanOrEqualTo(950);
            assertThat((double) calls / admitted).isLessThanOrEqualTo(0.1);
        }
    }

    @Test
    void undeploying_gives_the_unspent_permits_back_and_leaves_no_sweeper_thread() throws Exception {
        try (EmbeddedTomcat tomcat = new EmbeddedTomcat()) {
            Context app = tomcat.deploy("/app", params(), Map.of());
            String client = "undeploy-" + UUID.randomUUID();
            for (int i = 0; i < 20; i++) {
                assertThat(tomcat.get("/app/x", "X-Client", client).statusCode()).isEqualTo(200);
            }
            assertThat(sweeperThreads()).isEqualTo(1);
            String key = counterOf(client);
            assertThat(Long.parseLong(REDIS.redis().command("GET", key))).as("slow start 1+2+4+8+16 reserved").isEqualTo(31);
            tomcat.undeploy(app);
            assertThat(Long.parseLong(REDIS.redis().command("GET", key))).as("only what was spent").isEqualTo(20);
            assertThat(sweeperThreads()).isZero();
        }
    }

    private static String counterOf(String client) {
        String keys = REDIS.redis().command("KEYS", "*" + client + "*");
        Matcher m = Pattern.compile("\\S*" + Pattern.quote(client) + "\\S*").matcher(keys);
        assertThat(m.find()).as("a counter of %s in %s", client, keys).isTrue();
        return m.group();
    }

    private static long sweeperThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("ratelimit-prefetch-sweeper") && t.isAlive()).count();
    }

}
