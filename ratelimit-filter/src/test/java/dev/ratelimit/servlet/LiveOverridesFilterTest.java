package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * Two Tomcats (two instances of one application behind a load balancer) on one real Redis: the control
 * MBean's changes made on one instance reach the other, survive a redeploy, and are audited on both.
 * The instances are deployed as {@code /one} and {@code /two} so their MBeans stay apart in this one JVM;
 * they share the key prefix {@code fleet}, as the instances of one application do.
 */
class LiveOverridesFilterTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    /** Generous: the requirement is 2 s, but this machine is shared by several builds. */
    private static final long DEADLINE_MILLIS = 15_000;

    private static EmbeddedTomcat first;
    private static EmbeddedTomcat second;
    private final List<Runnable> undeploys = new ArrayList<>();

    @BeforeAll
    static void start() {
        first = new EmbeddedTomcat();
        second = new EmbeddedTomcat();
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
    }

    @BeforeEach
    void cleanRedis() {
        REDIS.redis().flushAll();
    }

    @AfterEach
    void undeployAll() {
        for (Runnable undeploy : undeploys) {
            undeploy.run();
        }
    }

    private Context deploy(EmbeddedTomcat on, String path, String limits) {
        Context context = on.deploy(path, EmbeddedTomcat.filterParams(REDIS.url(), "limits", limits, "key-prefix", "fleet"),
                Map.of());
        undeploys.add(() -> on.undeploy(context));
        return context;
    }

    private static Object invoke(String app, String operation, Object... args) throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        String[] signature = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            signature[i] = args[i] instanceof Boolean ? "boolean" : String.class.getName();
        }
        return jmx.invoke(new ObjectName("dev.ratelimit:app=" + app + ",type=Control,name=control"), operation, args, signature);
    }

    private static String limitHeader(HttpResponse<String> response) {
        return response.headers().firstValue("X-RateLimit-Limit").orElse(null);
    }

    /** Sends requests until one answers as expected, printing how long it took; fails after {@link #DEADLINE_MILLIS}. */
    private static HttpResponse<String> awaitResponse(String what, EmbeddedTomcat on, String path,
                                                      Predicate<HttpResponse<String>> expected) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            HttpResponse<String> response = on.get(path);
            if (expected.test(response)) {
                System.out.println("[live-overrides] " + what + ": " + (System.nanoTime() - start) / 1_000_000 + " ms");
                return response;
            }
            if (System.nanoTime() - start > DEADLINE_MILLIS * 1_000_000) {
                throw new AssertionError(what + ": not within " + DEADLINE_MILLIS + " ms; last " + response.statusCode()
                        + " " + response.headers().map() + " " + response.body());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void set_limits_on_one_instance_applies_on_the_other_after_a_redeploy_and_until_cleared() throws Exception {
        deploy(first, "/one", "100/1h");
        Context two = second.deploy("/two", EmbeddedTomcat.filterParams(REDIS.url(), "limits", "100/1h", "key-prefix", "fleet"),
                Map.of());
        assertThat(limitHeader(second.get("/two/x"))).isEqualTo("100");

        assertThat((String) invoke("one", "setLimits", "limit", "70/1h")).contains("on every instance");
        awaitResponse("setLimits on /one reaches /two", second, "/two/x", r -> "70".equals(limitHeader(r)));

        second.undeploy(two);
        deploy(second, "/two", "100/1h");
        assertThat(limitHeader(second.get("/two/x"))).as("a redeployed instance applies it from its first request")
                .isEqualTo("70");
        assertThat((String[]) ManagementFactory.getPlatformMBeanServer().getAttribute(
                new ObjectName("dev.ratelimit:app=two,type=Control,name=control"), "Overrides"))
                .containsExactly("limit: limits=70/1h (configured limits=[100/1h] dry-run=false)");

        invoke("two", "clearLimits", "limit");
        awaitResponse("clearLimits on /two restores /one", first, "/one/x", r -> "100".equals(limitHeader(r)));
        assertThat(limitHeader(second.get("/two/x"))).isEqualTo("100");
    }

    @Test
    void identity_limits_and_blocks_apply_on_every_instance_and_a_block_expires() throws Exception {
        deploy(first, "/one", "100/1h");
        deploy(second, "/two", "100/1h");

        invoke("one", "setIdentityLimits", "limit", "ip=127.0.0.1", "40/1h");
        awaitResponse("identity limits reach /two", second, "/two/x", r -> "40".equals(limitHeader(r)));

        invoke("one", "blockIdentity", "limit", "ip=127.0.0.1", "3s");
        HttpResponse<String> blocked = awaitResponse("the block reaches /two", second, "/two/x", r -> r.statusCode() == 403);
        assertThat(blocked.body()).contains("\"code\":\"ACCESS_DENIED\"");
        assertThat(blocked.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        assertThat(blocked.headers().map()).doesNotContainKeys("X-RateLimit-Limit", "X-RateLimit-Remaining",
                "X-RateLimit-Reset", "Retry-After", "x-ratelimit-limit");
        assertThat(first.get("/one/x").statusCode()).isEqualTo(403);

        awaitResponse("the block expires on /two", second, "/two/x", r -> r.statusCode() == 200);
        assertThat(limitHeader(first.get("/one/x"))).as("the identity's own limits stay").isEqualTo("40");
        invoke("two", "clearIdentityLimits", "limit", "ip=127.0.0.1");
        awaitResponse("identity limits cleared on /one", first, "/one/x", r -> "100".equals(limitHeader(r)));
    }

    @Test
    void a_block_answers_in_the_policys_error_format() throws Exception {
        Context one = first.deploy("/one", EmbeddedTomcat.filterParams(REDIS.url(), "limits", "100/1h", "key-prefix", "fleet",
                "error-format", "problem"), Map.of());
        undeploys.add(() -> first.undeploy(one));
        invoke("one", "blockIdentity", "limit", "ip=127.0.0.1", "1h");
        HttpResponse<String> blocked = first.get("/one/x");
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(blocked.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
        assertThat(blocked.body()).contains("\"code\":\"ACCESS_DENIED\"", "\"policy\":\"limit\"");
    }

    @Test
    void reset_identity_clears_the_other_instances_local_denial() throws Exception {
        deploy(first, "/one", "1/1h");
        deploy(second, "/two", "1/1h");
        assertThat(second.get("/two/x").statusCode()).isEqualTo(200);
        assertThat(second.get("/two/x").statusCode()).as("/two now denies from its local deny cache").isEqualTo(429);

        assertThat((String) invoke("one", "resetIdentity", "limit", "ip=127.0.0.1")).contains("deleted 1 key(s)");
        awaitResponse("/two forgets its denial", second, "/two/x", r -> r.statusCode() == 200);
    }

    @Test
    void a_change_announced_while_the_subscription_is_down_is_caught_up() throws Exception {
        deploy(first, "/one", "100/1h");
        deploy(second, "/two", "100/1h");
        long start = System.nanoTime();
        while (!REDIS.redis().command("PUBSUB", "NUMSUB", "fleet:live:overrides").endsWith("\n2")) {
            assertThat(System.nanoTime() - start).as("both instances subscribe").isLessThan(DEADLINE_MILLIS * 1_000_000);
            Thread.sleep(20);
        }
        // Both subscriptions dropped: the announcement of the next change reaches nobody.
        REDIS.redis().command("CLIENT", "KILL", "TYPE", "pubsub");
        invoke("one", "setLimits", "limit", "60/1h");
        awaitResponse("the change reaches /two", second, "/two/x", r -> "60".equals(limitHeader(r)));
    }

    @Test
    void every_instance_writes_one_audit_line_per_change() throws Exception {
        Logger audit = (Logger) LoggerFactory.getLogger("dev.ratelimit.audit");
        Level level = audit.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        audit.setLevel(Level.INFO);
        try {
            deploy(first, "/one", "100/1h");
            deploy(second, "/two", "100/1h");
            invoke("one", "setDryRun", "limit", true);
            awaitResponse("dry-run reaches /two", second, "/two/x", r -> r.statusCode() == 200 && audited(lines, 2));
        } finally {
            audit.detachAppender(lines);
            audit.setLevel(level);
        }
        assertThat(overrideLines(lines)).hasSize(2).allSatisfy(line -> assertThat(line)
                .matches("override action=set-dry-run policy=limit identity=- value=true origin=\\d+@\\S+/one principal=-"));
    }

    private static boolean audited(ListAppender<ILoggingEvent> lines, int count) {
        return overrideLines(lines).size() >= count;
    }

    private static List<String> overrideLines(ListAppender<ILoggingEvent> lines) {
        List<String> found = new ArrayList<>();
        for (ILoggingEvent line : new ArrayList<>(lines.list)) {
            if (line.getFormattedMessage().startsWith("override ")) {
                found.add(line.getFormattedMessage());
            }
        }
        return found;
    }

    @Test
    void undeploying_both_instances_leaves_no_watcher_thread() {
        Context one = first.deploy("/one", EmbeddedTomcat.filterParams(REDIS.url(), "limits", "5/1h"), Map.of());
        Context two = second.deploy("/two", EmbeddedTomcat.filterParams(REDIS.url(), "limits", "5/1h"), Map.of());
        assertThat(watcherThreads()).isPositive();
        first.undeploy(one);
        second.undeploy(two);
        assertThat(watcherThreads()).as("no thread left after undeploy").isZero();
    }

    private static long watcherThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("ratelimit-overrides-")).count();
    }
}
