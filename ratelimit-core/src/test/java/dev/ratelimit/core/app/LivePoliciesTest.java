package dev.ratelimit.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;

/** The policy file reloaded: applied whole within 2 s, a bad version kept out whole, the file deleted. */
class LivePoliciesTest {

    private static final Set<String> DECLARED = new TreeSet<>(Arrays.asList("api", "search", "pay"));
    private static final long DEADLINE_MILLIS = 15_000; // generous: the machine is shared; the 2 s is measured apart

    @TempDir
    Path dir;
    private Path file;
    private MetricRegistry registry;
    private LivePolicies live;
    private final List<RateLimiter> limiters = new ArrayList<>();
    private ListAppender<ILoggingEvent> warnings;
    private Logger log;

    @BeforeEach
    void start() throws IOException {
        file = dir.resolve("policies.properties");
        write("api.limits=100/1m\n");
        registry = new MetricRegistry();
        log = (Logger) LoggerFactory.getLogger(LivePolicies.class);
        warnings = new ListAppender<>();
        warnings.start();
        log.addAppender(warnings);
        live = LivePolicies.watch(file, DECLARED, registry, "test-policy-file");
    }

    @AfterEach
    void stop() {
        live.close();
        log.detachAppender(warnings);
    }

    private void write(String text) throws IOException {
        Path temp = dir.resolve("next.tmp");
        Files.write(temp, text.getBytes(StandardCharsets.UTF_8));
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** A limiter as an adapter builds it: web.xml params, then the file's, registered for reloads. */
    private RateLimiter limiter(String name, String... webXml) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < webXml.length; i += 2) {
            params.put(webXml[i], webXml[i + 1]);
        }
        ConfigParams base = new ConfigParams(params::get, params::keySet);
        LivePolicies.Reader reader = p -> PolicyParams.read(p, name);
        long readAt = live.generation();
        Policy policy = reader.read(live.layered(name, base));
        RateLimiter limiter = new RateLimiter(policy, new InMemoryStore(), null);
        live.register(limiter, name, base, reader, policy, readAt, limiter::reconfigure);
        limiters.add(limiter);
        return limiter;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as(what).isLessThan(end);
            Thread.sleep(20);
        }
    }

    private long reloadOk() {
        return ((Gauge<?>) registry.getGauges().get("ratelimit.config.reload-ok")).getValue() instanceof Integer
                ? (Integer) registry.getGauges().get("ratelimit.config.reload-ok").getValue() : -1;
    }

    private long failures() {
        return registry.counter("ratelimit.config.reload-failures").getCount();
    }

    @Test
    void the_file_overrides_web_xml_and_an_edit_is_applied() throws Exception {
        RateLimiter api = limiter("api", "limits", "5/1s", "dry-run", "true");
        assertThat(api.policy().limits()).isEqualTo(Limit.parseAll("limits", "100/1m"));
        assertThat(api.policy().dryRun()).as("web.xml's value where the file says nothing").isTrue();
        write("api.limits=200/1m\napi.dry-run=false\n");
        await("the edit applied", () -> live.generation() == 2);
        assertThat(api.policy().limits()).isEqualTo(Limit.parseAll("limits", "200/1m"));
        assertThat(api.policy().dryRun()).isFalse();
        assertThat(live.version()).startsWith("version 2 sha256:").contains(file.toString());
        assertThat(reloadOk()).isEqualTo(1);
        write("api.dry-run=false\n");
        await("the entry removed", () -> live.generation() == 3);
        assertThat(api.policy().limits()).as("web.xml's limits again").isEqualTo(Limit.parseAll("limits", "5/1s"));
    }

    @Test
    void a_bad_edit_keeps_the_last_good_version_whole_and_warns_once_with_file_line_entry_and_value() throws Exception {
        RateLimiter api = limiter("api");
        RateLimiter search = limiter("search", "limits", "10/1s");
        write("search.limits=20/1s\n# both change, the second badly\napi.limits=lots\n");
        await("the failure counted", () -> failures() == 1);
        assertThat(api.policy().limits()).isEqualTo(Limit.parseAll("limits", "100/1m"));
        assertThat(search.policy().limits()).as("not half applied").isEqualTo(Limit.parseAll("limits", "10/1s"));
        assertThat(live.generation()).isEqualTo(1);
        assertThat(reloadOk()).isZero();
        Thread.sleep(3 * PolicyFileWatcher.POLL_MILLIS);
        List<String> warned = warns();
        assertThat(warned).hasSize(1);
        assertThat(warned.get(0)).contains("Policy file " + file + " line 3 'api.limits=lots'")
                .contains("Invalid value 'lots' for parameter 'limits'")
                .contains("keeping the last good configuration, version 1");
        assertThat(live.lastError()).contains("line 3 'api.limits=lots'");

        write("search.limits=20/1s\napi.limits=300/1m\n");
        await("the fixed file applied", () -> live.generation() == 2);
        assertThat(search.policy().limits()).isEqualTo(Limit.parseAll("limits", "20/1s"));
        assertThat(api.policy().limits()).isEqualTo(Limit.parseAll("limits", "300/1m"));
        assertThat(reloadOk()).isEqualTo(1);
        assertThat(live.lastError()).isEqualTo("none");
    }

    @Test
    void an_unknown_policy_or_parameter_at_reload_is_refused_the_same_way() throws Exception {
        RateLimiter api = limiter("api");
        write("api.limits=1/1s\nserch.limits=2/1s\n");
        await("refused", () -> failures() == 1);
        write("api.limits=1/1s\napi.failure-mod=open\n");
        await("refused", () -> failures() == 2);
        assertThat(warns().get(0)).contains("line 2 'serch.limits=2/1s': no policy named 'serch'");
        assertThat(warns().get(1)).contains("did you mean 'failure-mode'?");
        assertThat(api.policy().limits()).isEqualTo(Limit.parseAll("limits", "100/1m"));
    }

    @Test
    void prefetch_is_read_at_startup_only() throws Exception {
        RateLimiter api = limiter("api", "limits", "1000/1m", "prefetch", "50");
        write("api.limits=2000/1m\napi.prefetch=100\n");
        await("refused", () -> failures() == 1);
        assertThat(warns().get(0)).contains("line 2 'api.prefetch=100'").contains("read at startup only")
                .contains("prefetch leases");
        assertThat(api.policy().prefetch()).isEqualTo(50);
        write("api.limits=2000/1m\n");
        await("the limits alone may change", () -> api.policy().limits().equals(Limit.parseAll("limits", "2000/1m")));
        assertThat(api.policy().prefetch()).as("kept from web.xml").isEqualTo(50);
    }

    @Test
    void parameters_read_at_startup_only_are_refused_at_reload() throws Exception {
        limiter("api");
        RateLimiter pay = limiter("pay", "limits", "5/30s", "algorithm", "concurrency");
        write("api.limits=100/1m\napi.key-prefix=other\n");
        await("refused", () -> failures() == 1);
        assertThat(warns().get(0)).contains("line 2 'api.key-prefix=other'").contains("read at startup only");
        write("api.limits=100/1m\napi.redis-url=redis://elsewhere:6379\n");
        await("refused", () -> failures() == 2);
        write("api.limits=100/1m\npay.algorithm=token-bucket\n");
        await("refused", () -> failures() == 3);
        assertThat(warns().get(2)).contains("'pay.algorithm=token-bucket'").contains("concurrency");
        assertThat(pay.policy().limits()).isEqualTo(Limit.parseAll("limits", "5/30s"));
        // Found by review: a new lease started an empty permit set beside the old one (up to 2N in flight).
        write("api.limits=100/1m\npay.limits=5/1m\n");
        await("refused", () -> failures() == 4);
        assertThat(warns().get(3)).contains("'pay.limits=5/1m'").contains("lease cannot change");
        write("api.limits=100/1m\npay.limits=7/30s\n");
        await("N alone may change", () -> pay.policy().limits().equals(Limit.parseAll("limits", "7/30s")));
    }

    @Test
    void a_deleted_file_keeps_the_last_good_version_and_its_return_is_applied() throws Exception {
        RateLimiter api = limiter("api");
        Files.delete(file);
        await("the loss noticed", () -> failures() == 1);
        assertThat(warns().get(0)).contains("Policy file " + file + " is missing").contains("keeping the last good");
        assertThat(api.policy().limits()).isEqualTo(Limit.parseAll("limits", "100/1m"));
        assertThat(reloadOk()).isZero();
        Thread.sleep(3 * PolicyFileWatcher.POLL_MILLIS);
        assertThat(failures()).as("reported once").isEqualTo(1);
        write("api.limits=100/1m\n");
        await("the same file back", () -> reloadOk() == 1);
        assertThat(live.generation()).as("the same content is no new version").isEqualTo(1);
        write("api.limits=7/1m\n");
        await("applied", () -> live.generation() == 2);
        assertThat(api.policy().limits()).isEqualTo(Limit.parseAll("limits", "7/1m"));
    }

    @Test
    void a_bad_file_at_startup_fails_with_file_line_and_entry() throws IOException {
        Path bad = dir.resolve("bad.properties");
        Files.write(bad, "api.limits=1/1s\napi.cost=\n".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> LivePolicies.watch(bad, DECLARED, new MetricRegistry(), "t"))
                .hasMessageContaining("line 2 'api.cost='");
        assertThatThrownBy(() -> LivePolicies.watch(dir.resolve("none.properties"), DECLARED, new MetricRegistry(), "t"))
                .hasMessageContaining("cannot be read");
    }

    @Test
    void a_bad_value_at_startup_names_the_files_line() throws IOException {
        write("api.limits=100/1m\napi.cost=0\n");
        live.close();
        live = LivePolicies.watch(file, DECLARED, registry, "t2");
        assertThatThrownBy(() -> limiter("api")).satisfies(e ->
                assertThat(live.located("api", (dev.ratelimit.core.ConfigurationException) e).getMessage())
                        .contains("line 2 'api.cost=0'").contains("Invalid value '0' for parameter 'cost'"));
    }

    @Test
    void close_ends_the_watcher_thread() {
        assertThat(live.watching()).isTrue();
        live.close();
        assertThat(live.watching()).isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("test-policy-file"));
    }

    /**
     * Two policies changed in one edit: a request (which captures the generation when it begins) never sees
     * one new and the other old, however the reload interleaves with it.
     */
    @Test
    void two_policies_changed_in_one_edit_are_never_seen_half_applied() throws Exception {
        RateLimiter api = limiter("api");
        RateLimiter search = limiter("search", "limits", "100/1m");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> mixed = new AtomicReference<>();
        AtomicLong checks = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    long began = live.generation();
                    long a = api.policy(began).limits().get(0).permits();
                    Thread.yield();
                    long s = search.policy(began).limits().get(0).permits();
                    if (a != s && mixed.get() == null) {
                        mixed.set("api " + a + " with search " + s + " at generation " + began);
                    }
                    checks.incrementAndGet();
                }
            });
            reader.start();
            readers.add(reader);
        }
        try {
            for (int version = 2; version <= 8; version++) {
                int n = 100 + version;
                write("api.limits=" + n + "/1m\nsearch.limits=" + n + "/1m\n");
                long expected = version;
                await("version " + version, () -> live.generation() == expected);
            }
        } finally {
            stop.set(true);
            for (Thread reader : readers) {
                reader.join();
            }
        }
        assertThat(mixed.get()).isNull();
        assertThat(checks.get()).isPositive();
        assertThat(api.policy().limits().get(0).permits()).isEqualTo(108);
    }

    private List<String> warns() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : warnings.list) {
            if (event.getLevel() == Level.WARN) {
                lines.add(event.getFormattedMessage());
            }
        }
        return lines;
    }
}
