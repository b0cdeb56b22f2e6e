package dev.ratelimit.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.KeyPart;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.management.RateLimitControl;
import dev.ratelimit.core.redis.RedisOverrideStore;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.redis.RedisUrl;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * Two instances (two application runtimes, as two JVMs would hold them) on one real Redis: a change made on
 * one reaches the other through the announcement or the version check, and one started later reads it.
 */
class LiveOverridesTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    /** Generous: the requirement is 2 s, but this machine is shared by several builds. */
    private static final long DEADLINE_MILLIS = 15_000;

    private final List<ApplicationRuntime> runtimes = new ArrayList<>();
    private final String prefix = "live" + PREFIXES.incrementAndGet();

    @AfterEach
    void releaseAll() {
        for (ApplicationRuntime runtime : runtimes) {
            runtime.release();
        }
    }

    private RedisSettings redis() {
        return RedisUrl.standalone("redis-url", REDIS.url()).timeouts(2_000, 2_000).build();
    }

    private ApplicationRuntime instance() {
        ApplicationRuntime runtime = new ApplicationRuntime();
        runtimes.add(runtime);
        return runtime;
    }

    private Policy policy(String limits, String key) {
        return Policy.builder("api").keyPrefix(prefix).limits(Limit.parseAll("limits", limits))
                .keyParts(KeyPart.parseAll("key", key)).build();
    }

    private static boolean allowed(RateLimiter limiter, FakeRequest request) {
        return limiter.acquire(request).allowed();
    }

    /** Waits for the condition, printing how long it took; fails after {@link #DEADLINE_MILLIS}. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > DEADLINE_MILLIS * 1_000_000) {
                throw new AssertionError(what + ": not within " + DEADLINE_MILLIS + " ms");
            }
            Thread.sleep(20);
        }
        System.out.println("[live-overrides] " + what + ": " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }

    @Test
    void limits_set_on_one_instance_apply_on_the_other_and_on_one_started_later_until_cleared() throws Exception {
        ApplicationRuntime a = instance();
        ApplicationRuntime b = instance();
        RateLimiter onA = a.limiter(policy("100/1h", "ip"), redis());
        RateLimiter onB = b.limiter(policy("100/1h", "ip"), redis());

        assertThat(a.control().setLimits("api", "7/1m, 50/1h")).contains("api: limits 7/1m,50/1h", "on every instance");
        assertThat(onA.policy().limits()).as("at once on the instance that made it").containsExactly(
                new Limit(7, 60_000), new Limit(50, 3_600_000));
        await("setLimits reaches the other instance", () -> onB.policy().limits().size() == 2);

        ApplicationRuntime later = instance();
        RateLimiter onLater = later.limiter(policy("100/1h", "ip"), redis());
        assertThat(onLater.policy().limits()).as("read at startup").hasSize(2);
        assertThat(later.control().getOverrides())
                .containsExactly("api: limits=7/1m,50/1h (configured limits=[100/1h] dry-run=false)");

        a.control().setDryRun("api", true);
        await("dry-run reaches the other instance", () -> onB.policy().dryRun());

        b.control().clearLimits("api");
        await("clearLimits restores the first instance", () -> onA.policy().limits().equals(Limit.parseAll("l", "100/1h"))
                && !onA.policy().dryRun());
        await("clearLimits restores the later one", () -> onLater.policy().limits().size() == 1);
        assertThat(a.control().getOverrides()).isEmpty();
    }

    @Test
    void identity_limits_replace_the_policys_for_that_identity_only_on_every_instance() throws Exception {
        ApplicationRuntime a = instance();
        ApplicationRuntime b = instance();
        a.limiter(policy("1/1h", "user"), redis());
        RateLimiter onB = b.limiter(policy("1/1h", "user"), redis());

        assertThat(a.control().setIdentityLimits("api", "user=Alice", "3/1h")).contains("user=Alice limits 3/1h");
        FakeRequest alice = new FakeRequest().user("Alice");
        FakeRequest bob = new FakeRequest().user("bob");
        await("identity limits reach the other instance", () -> b.control().getOverrides().length == 1);
        assertThat(allowed(onB, alice)).isTrue();
        assertThat(allowed(onB, alice)).isTrue();
        assertThat(allowed(onB, alice)).isTrue();
        assertThat(allowed(onB, alice)).as("alice's own limit: 3").isFalse();
        assertThat(allowed(onB, bob)).isTrue();
        assertThat(allowed(onB, bob)).as("everyone else: the policy's 1").isFalse();

        a.control().clearIdentityLimits("api", "user=Alice");
        await("cleared on the other instance", () -> b.control().getOverrides().length == 0);
        assertThat(onB.acquire(alice).limit()).isEqualTo(1);
    }

    @Test
    void a_block_answers_every_instance_until_it_expires_and_leaves_no_key_behind() throws Exception {
        ApplicationRuntime a = instance();
        ApplicationRuntime b = instance();
        RateLimiter onA = a.limiter(policy("100/1h", "ip"), redis());
        RateLimiter onB = b.limiter(policy("100/1h", "ip"), redis());
        FakeRequest blocked = FakeRequest.from("2001:db8:1:2::7");
        FakeRequest neighbour = FakeRequest.from("2001:db8:1:2::8");
        FakeRequest other = FakeRequest.from("198.51.100.1");

        String result = a.control().blockIdentity("api", "ip=2001:db8:1:2::1", "3s");
        assertThat(result).as("an IPv6 address stands for its /64, as it is counted (escaped as in keys)")
                .contains("ip=2001%3Adb8%3A1%3A2%3A%3A/64 blocked for 3s");
        assertThat(onA.blocks(blocked)).isTrue();
        await("the block reaches the other instance", () -> onB.blocks(blocked));
        assertThat(onB.blocks(neighbour)).isTrue();
        assertThat(onB.blocks(other)).isFalse();
        assertThat(b.control().getOverrides()).singleElement().asString()
                .startsWith("api: identity=ip=2001%3Adb8%3A1%3A2%3A%3A/64 blocked-until=");

        await("the block expires on its own", () -> !onB.blocks(blocked) && !onA.blocks(blocked));
        assertThat(b.control().getOverrides()).isEmpty();
        String blocksKey = prefix + ":live:{overrides}:blocks";
        await("the blocks hash expires with its last block", () -> REDIS.redis().command("EXISTS", blocksKey).equals("0"));

        a.control().blockIdentity("api", "ip=198.51.100.1", "1h");
        await("blocked everywhere", () -> onB.blocks(other));
        b.control().unblockIdentity("api", "ip=198.51.100.1");
        await("unblocked everywhere", () -> !onA.blocks(other));
    }

    @Test
    void a_blocked_address_stays_blocked_when_its_requests_are_counted_by_user() throws Exception {
        // Found by review: with key=user a signed-in request was keyed user=..., and an ip= block missed it.
        ApplicationRuntime a = instance();
        RateLimiter limiter = a.limiter(policy("100/1h", "user"), redis());
        a.control().blockIdentity("api", "ip=198.51.100.1", "1h");
        assertThat(limiter.blocks(FakeRequest.from("198.51.100.1").user("alice"))).isTrue();
        assertThat(limiter.blocks(FakeRequest.from("198.51.100.1"))).isTrue();
        assertThat(limiter.blocks(FakeRequest.from("198.51.100.2").user("alice"))).isFalse();
    }

    @Test
    void reset_identity_makes_every_instance_forget_its_local_denial() throws Exception {
        ApplicationRuntime a = instance();
        ApplicationRuntime b = instance();
        a.limiter(policy("1/1h", "ip"), redis());
        RateLimiter onB = b.limiter(policy("1/1h", "ip"), redis());
        FakeRequest client = FakeRequest.from("192.0.2.9");
        assertThat(allowed(onB, client)).isTrue();
        assertThat(allowed(onB, client)).as("denied by Redis: B now denies locally for an hour").isFalse();
        assertThat(onB.cachedDenial(client)).isNotNull();

        assertThat(a.control().resetIdentity("api", "ip=192.0.2.9")).contains("deleted 1 key(s)");
        await("the other instance forgot its denial", () -> onB.cachedDenial(client) == null);
        assertThat(allowed(onB, client)).isTrue();
    }

    @Test
    void a_lost_announcement_is_caught_up_by_the_version_check() throws Exception {
        ApplicationRuntime a = instance();
        ApplicationRuntime b = instance();
        a.limiter(policy("100/1h", "ip"), redis());
        RateLimiter onB = b.limiter(policy("100/1h", "ip"), redis());
        RedisOverrideStore storeOfB = (RedisOverrideStore) b.liveOverrides().get(0).store();
        await("B subscribed", storeOfB::subscribed);

        // Every subscriber connection of this Redis is dropped: the announcement of the change goes nowhere.
        REDIS.redis().command("CLIENT", "KILL", "TYPE", "pubsub");
        a.control().setLimits("api", "9/1h");
        await("the change reaches B anyway", () -> onB.policy().limits().get(0).permits() == 9);
        await("B subscribes again", storeOfB::subscribed);
    }

    @Test
    void without_any_subscription_the_version_check_alone_applies_changes() throws Exception {
        assertThat(REDIS.redis().command("ACL", "SETUSER", "no-subscribe", "reset", "on", ">pw", "~*", "&*", "+@all",
                "-subscribe")).isEqualTo("OK");
        ApplicationRuntime a = instance();
        ApplicationRuntime b = instance();
        a.limiter(policy("100/1h", "ip"), redis());
        RedisSettings unsubscribed = RedisUrl.standalone("redis-url",
                REDIS.url().replace("redis://", "redis://no-subscribe:pw@")).timeouts(2_000, 2_000).build();
        RateLimiter onB = b.limiter(policy("100/1h", "ip"), unsubscribed);
        a.control().setLimits("api", "8/1h");
        await("the version check applies it", () -> onB.policy().limits().get(0).permits() == 8);
        assertThat(((RedisOverrideStore) b.liveOverrides().get(0).store()).subscribed()).isFalse();
    }

    @Test
    void audits_every_change_on_every_instance_with_its_origin() throws Exception {
        Logger audit = (Logger) LoggerFactory.getLogger("dev.ratelimit.audit");
        Level level = audit.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        audit.setLevel(Level.INFO);
        try {
            ApplicationRuntime a = instance();
            ApplicationRuntime b = instance();
            a.limiter(policy("100/1h", "ip"), redis());
            RateLimiter onB = b.limiter(policy("100/1h", "ip"), redis());
            a.control().setIdentityLimits("api", "ip=203.0.113.9", "5/1m");
            await("applied on B", () -> onB.currentIdentityOverrides().limits().size() == 1);
        } finally {
            audit.detachAppender(lines);
            audit.setLevel(level);
        }
        List<String> changes = new ArrayList<>();
        for (ILoggingEvent line : lines.list) {
            if (line.getFormattedMessage().startsWith("override ")) {
                changes.add(line.getFormattedMessage());
            }
        }
        assertThat(changes).as("one line on each instance").hasSize(2).allSatisfy(line -> assertThat(line)
                .matches("override action=set-identity-limits policy=api identity=ip%3D203.0.113.9 value=5/1m"
                        + " origin=\\d+@\\S+/default principal=-"));
    }

    @Test
    @SuppressWarnings("removal")
    void names_the_jmx_principal_of_the_caller_in_the_audit_line() throws Exception {
        Logger audit = (Logger) LoggerFactory.getLogger("dev.ratelimit.audit");
        Level level = audit.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        audit.setLevel(Level.INFO);
        try {
            ApplicationRuntime a = instance();
            a.limiter(policy("100/1h", "ip"), redis());
            // What a JMX connector with authentication does around each call.
            javax.security.auth.Subject operator = new javax.security.auth.Subject();
            operator.getPrincipals().add(new javax.management.remote.JMXPrincipal("ops alice"));
            javax.security.auth.Subject.doAs(operator,
                    (java.security.PrivilegedAction<String>) () -> a.control().setDryRun("api", true));
        } finally {
            audit.detachAppender(lines);
            audit.setLevel(level);
        }
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).startsWith("override action=set-dry-run")
                        .endsWith(" principal=ops%20alice"));
    }

    @Test
    void refuses_what_cannot_apply_naming_the_reason() {
        ApplicationRuntime a = instance();
        a.limiter(policy("100/1h", "user"), redis());
        a.concurrency(Policy.builder("uploads").keyPrefix(prefix).algorithm(Algorithm.CONCURRENCY)
                .limits(Limit.parseAll("limits", "2/30s")).build(), null);
        RateLimitControl control = a.control();
        assertThatThrownBy(() -> control.setLimits("nope", "1/1m")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No policy named 'nope'").hasMessageContaining("[api, uploads]");
        assertThatThrownBy(() -> control.setLimits("uploads", "1/1m")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("algorithm 'concurrency'").hasMessageContaining("not supported");
        assertThatThrownBy(() -> control.blockIdentity("uploads", "ip=192.0.2.1", "1m"))
                .hasMessageContaining("algorithm 'concurrency'");
        assertThatThrownBy(() -> control.setLimits("api", "lots")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'limits'");
        assertThatThrownBy(() -> control.setIdentityLimits("api", "h.x-api-key=k1", "1/1m"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("never matches this policy")
                .hasMessageContaining("[user, ip]");
        assertThatThrownBy(() -> control.blockIdentity("api", "ip=not-an-address", "1m"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no IP address");
        assertThatThrownBy(() -> control.blockIdentity("api", "alice", "1m"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user=alice");
        assertThatThrownBy(() -> control.blockIdentity("api", "user=alice", "forever"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Invalid duration 'forever'");
        assertThat(control.getOverrides()).isEmpty();
    }

    @Test
    void without_redis_changes_hold_for_this_instance_only() {
        ApplicationRuntime a = instance();
        ApplicationRuntime b = instance();
        RateLimiter onA = a.limiter(policy("100/1h", "ip"), null);
        RateLimiter onB = b.limiter(policy("100/1h", "ip"), null);
        assertThat(a.control().blockIdentity("api", "ip=192.0.2.3", "1m")).contains("on this instance only (no Redis)");
        assertThat(onA.blocks(FakeRequest.from("192.0.2.3"))).isTrue();
        assertThat(onB.blocks(FakeRequest.from("192.0.2.3"))).isFalse();
        assertThat(a.control().getOverrides()).singleElement().asString().endsWith("(this instance only)");
    }

    @Test
    void no_watcher_thread_is_left_after_the_last_release() {
        ApplicationRuntime a = instance();
        a.limiter(policy("100/1h", "ip"), redis());
        assertThat(watcherThreads()).isPositive();
        runtimes.clear();
        a.release();
        assertThat(watcherThreads()).as("no thread left after undeploy").isZero();
    }

    static long watcherThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("ratelimit-overrides-")).count();
    }
}
