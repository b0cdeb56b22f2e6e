package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ratelimit.core.app.LivePolicies;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * The policy file ({@code ratelimit.config-file}), plans and the address/path/method lists through the
 * Servlet filter, in a real Tomcat 9 against a real Redis; the file is edited while requests run.
 */
class PolicyFileFilterTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    /** How long a test waits for a condition; the file's own promise (2 s) is measured and printed. */
    private static final long DEADLINE_MILLIS = 20_000;

    private static EmbeddedTomcat tomcat;
    private static final AtomicInteger APPS = new AtomicInteger();

    @TempDir
    Path dir;
    private final List<Context> deployed = new ArrayList<>();
    private ListAppender<ILoggingEvent> warnings;
    private final Logger log = (Logger) LoggerFactory.getLogger(LivePolicies.class);

    @BeforeAll
    static void startTomcat() {
        tomcat = new EmbeddedTomcat();
    }

    @AfterAll
    static void stopTomcat() {
        tomcat.close();
    }

    @BeforeEach
    void capture() {
        REDIS.redis().flushAll();
        warnings = new ListAppender<>();
        warnings.start();
        log.addAppender(warnings);
    }

    @AfterEach
    void undeploy() {
        log.detachAppender(warnings);
        for (Context context : deployed) {
            tomcat.undeploy(context);
        }
    }

    private Path file(String text) throws Exception {
        Path file = dir.resolve("ratelimit-policies.properties");
        write(file, text);
        return file;
    }

    /** As an operator's tool should: a new file moved over the old one, never seen half-written. */
    private void write(Path file, String text) throws Exception {
        Path next = dir.resolve("next.tmp");
        Files.write(next, text.getBytes(StandardCharsets.UTF_8));
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private String deploy(Path file, String... filterParams) {
        String path = "/file" + APPS.incrementAndGet();
        Map<String, String> params = EmbeddedTomcat.filterParams(REDIS.url(), filterParams);
        Context context = tomcat.deploy(path, params, Map.of("ratelimit.config-file", file.toString()));
        deployed.add(context);
        assertThat(context.getState().isAvailable()).as("deployed").isTrue();
        return path;
    }

    private static String limitOf(HttpResponse<String> response) {
        return response.headers().firstValue("X-RateLimit-Limit").orElse("none");
    }

    private static <T> T await(String what, Supplier<T> probe, Predicate<T> done) throws InterruptedException {
        long end = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (true) {
            T value = probe.get();
            if (done.test(value)) {
                return value;
            }
            assertThat(System.currentTimeMillis()).as(what + " (last: " + value + ")").isLessThan(end);
            Thread.sleep(25);
        }
    }

    private List<String> warns(String containing) {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : new ArrayList<>(warnings.list)) {
            if (event.getLevel() == Level.WARN && event.getFormattedMessage().contains(containing)) {
                lines.add(event.getFormattedMessage());
            }
        }
        return lines;
    }

    @Test
    void the_file_overrides_web_xml_and_an_edit_is_applied_while_requests_run() throws Exception {
        Path file = file("limit.limits=30/1h\n");
        String app = deploy(file, "limits", "100/1h");
        assertThat(limitOf(tomcat.get(app + "/x"))).isEqualTo("30");
        write(file, "# raised for the sale\nlimit.limits=70/1h\n");
        long written = System.nanoTime();
        await("the edit applied", () -> limitOf(tomcat.get(app + "/x")), "70"::equals);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - written);
        System.out.println("MEASURED policy file edit applied after " + millis + " ms (promised: within 2000 ms)");
        assertThat(jmx(app, "ConfigFileVersion")).startsWith("version 2 sha256:").contains(file.toString());
        assertThat(jmx(app, "ConfigFileLastError")).isEqualTo("none");
    }

    @Test
    void a_bad_edit_keeps_the_last_good_file_and_warns_with_file_line_entry_and_value() throws Exception {
        Path file = file("limit.limits=30/1h\n");
        String app = deploy(file, "limits", "100/1h");
        write(file, "limit.limits=30/1h\nlimit.dry-run=maybe\n");
        List<String> warned = await("the WARN", () -> warns("maybe"), w -> !w.isEmpty());
        assertThat(warned.get(0)).contains("Policy file " + file + " line 2 'limit.dry-run=maybe'")
                .contains("Invalid value 'maybe' for parameter 'dry-run'").contains("keeping the last good configuration, version 1");
        assertThat(limitOf(tomcat.get(app + "/x"))).isEqualTo("30");
        assertThat(jmx(app, "ConfigFileLastError")).contains("line 2 'limit.dry-run=maybe'");
        assertThat(jmx(app, "ConfigFileVersion")).startsWith("version 1 ");
        Thread.sleep(1500);
        assertThat(warns("maybe")).as("one WARN per bad version").hasSize(1);
    }

    @Test
    void a_deleted_file_keeps_the_last_good_configuration() throws Exception {
        Path file = file("limit.limits=30/1h\n");
        String app = deploy(file, "limits", "100/1h");
        Files.delete(file);
        await("the WARN", () -> warns("is missing"), w -> !w.isEmpty());
        assertThat(limitOf(tomcat.get(app + "/x"))).isEqualTo("30");
        write(file, "limit.limits=40/1h\n");
        await("the new file applied", () -> limitOf(tomcat.get(app + "/x")), "40"::equals);
    }

    @Test
    void a_bad_file_fails_the_deployment() throws Exception {
        for (String text : List.of("limit.limits=lots\n", "lmit.limits=5/1h\n", "limit.limts=5/1h\n")) {
            Path file = file(text);
            Context context = tomcat.deploy("/bad" + APPS.incrementAndGet(), EmbeddedTomcat.filterParams(REDIS.url(), "limits", "1/1h"),
                    Map.of("ratelimit.config-file", file.toString()));
            deployed.add(context);
            assertThat(context.getState().isAvailable()).as(text).isFalse();
        }
        Context relative = tomcat.deploy("/bad" + APPS.incrementAndGet(), EmbeddedTomcat.filterParams(REDIS.url(), "limits", "1/1h"),
                Map.of("ratelimit.config-file", "conf/ratelimit-policies.properties"));
        deployed.add(relative);
        assertThat(relative.getState().isAvailable()).isFalse();
    }

    @Test
    void plans_give_their_limits_and_no_or_an_unknown_plan_gets_the_policys_own() throws Exception {
        Path file = file("limit.plan.gold.limits=6/1h\nlimit.plan.free.limits=2/1h\n");
        String path = "/plans" + APPS.incrementAndGet();
        Context context = tomcat.deployBehind(path, PlanFromHeaderFilter.class.getName(),
                List.of(EmbeddedTomcat.filterParams(REDIS.url(), "limits", "4/1h", "key", "header:X-User")),
                Map.of("ratelimit.config-file", file.toString()));
        deployed.add(context);
        assertThat(admitted(path, "ann", "gold")).isEqualTo(6);
        assertThat(admitted(path, "bob", "free")).isEqualTo(2);
        assertThat(admitted(path, "cid", null)).isEqualTo(4);
        assertThat(admitted(path, "dan", "platinum")).isEqualTo(4);
        write(file, "limit.plan.gold.limits=9/1h\nlimit.plan.free.limits=2/1h\n");
        await("gold raised", () -> limitOf(tomcat.get(path + "/x", "X-User", "eve", "X-Test-Plan", "gold")), "9"::equals);
    }

    private int admitted(String path, String user, String plan) {
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = plan == null ? tomcat.get(path + "/x", "X-User", user)
                    : tomcat.get(path + "/x", "X-User", user, "X-Test-Plan", plan);
            if (r.statusCode() == 200) {
                admitted++;
            }
        }
        return admitted;
    }

    @Test
    void allow_deny_exclude_and_methods_through_a_trusted_proxy_with_ipv6_blocks_reloadable() throws Exception {
        Path file = file("limit.deny-addresses=2001:db8:bad::/48, 198.51.100.66\n"
                + "limit.allow-addresses=2001:db8:600d::/48\nlimit.exclude-paths=/health, /static/*\nlimit.methods=GET,POST\n");
        String app = deploy(file, "limits", "100/1h", "trusted-proxies", "127.0.0.1, ::1");

        HttpResponse<String> denied = tomcat.get(app + "/x", "X-Forwarded-For", "2001:db8:bad:0:1::9");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("\"code\":\"ACCESS_DENIED\"");
        assertThat(denied.headers().firstValue("X-RateLimit-Limit")).isEmpty();
        assertThat(tomcat.get(app + "/x", "X-Forwarded-For", "198.51.100.66").statusCode()).isEqualTo(403);

        HttpResponse<String> allowed = tomcat.get(app + "/x", "X-Forwarded-For", "2001:db8:600d::1");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("X-RateLimit-Limit")).as("not limited: no headers").isEmpty();

        assertThat(tomcat.get(app + "/health").headers().firstValue("X-RateLimit-Limit")).isEmpty();
        assertThat(tomcat.get(app + "/static/site.css").headers().firstValue("X-RateLimit-Limit")).isEmpty();
        HttpResponse<String> delete = tomcat.send("DELETE", app + "/x", HttpRequest.BodyPublishers.noBody());
        assertThat(delete.statusCode()).isEqualTo(200);
        assertThat(delete.headers().firstValue("X-RateLimit-Limit")).isEmpty();
        assertThat(limitOf(tomcat.get(app + "/x", "X-Forwarded-For", "203.0.113.9"))).isEqualTo("100");
        assertThat(REDIS.redis().command("DBSIZE")).as("nothing was counted but the one limited request").isEqualTo("1");

        write(file, "limit.allow-addresses=2001:db8:600d::/48\n");
        await("the deny list lifted", () -> tomcat.get(app + "/x", "X-Forwarded-For", "2001:db8:bad:0:1::9").statusCode(),
                s -> s == 200);
        assertThat(limitOf(tomcat.get(app + "/x", "X-Forwarded-For", "2001:db8:bad:0:1::9"))).isEqualTo("100");
        assertThat(limitOf(tomcat.get(app + "/health"))).as("exclude-paths gone with its entry").isEqualTo("100");
    }

    @Test
    void the_file_changes_the_response_formats_and_a_denied_address_is_answered_in_the_policys_format() throws Exception {
        Path file = file("limit.deny-addresses=198.51.100.66\nlimit.error-format=problem\nlimit.headers=ietf\n");
        String app = deploy(file, "limits", "100/1h", "trusted-proxies", "127.0.0.1, ::1");
        ResponseFormatFilterTest.problem(tomcat.get(app + "/x", "X-Forwarded-For", "198.51.100.66"), 403, "ACCESS_DENIED");
        HttpResponse<String> limited = tomcat.get(app + "/x");
        assertThat(limited.headers().firstValue("RateLimit-Policy")).isPresent();
        assertThat(limitOf(limited)).as("headers=ietf: no X-RateLimit-*").isEqualTo("none");

        write(file, "limit.deny-addresses=198.51.100.66\n");
        await("back to web.xml's formats", () -> limitOf(tomcat.get(app + "/x")), "100"::equals);
        HttpResponse<String> denied = tomcat.get(app + "/x", "X-Forwarded-For", "198.51.100.66");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(denied.body()).isEqualTo("{\"error\":{\"code\":\"ACCESS_DENIED\",\"message\":\"Access denied.\"}}");
    }

    @Test
    void undeploy_leaves_no_watcher_thread() throws Exception {
        Path file = file("limit.limits=30/1h\n");
        String app = deploy(file, "limits", "100/1h");
        String thread = "ratelimit-policy-file-" + app.substring(1);
        assertThat(threads(thread)).isPresent();
        tomcat.undeploy(deployed.remove(0));
        assertThat(threads(thread)).isEmpty();
    }

    private static Optional<Thread> threads(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst();
    }

    private static String jmx(String app, String attribute) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (ObjectName name : server.queryNames(new ObjectName("dev.ratelimit:type=Control,*"), null)) {
            if (app.substring(1).equals(name.getKeyProperty("app"))) {
                return (String) server.getAttribute(name, attribute);
            }
        }
        throw new AssertionError("no control MBean for " + app);
    }
}
