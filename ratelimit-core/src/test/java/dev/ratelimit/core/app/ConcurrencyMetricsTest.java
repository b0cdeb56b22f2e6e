package dev.ratelimit.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Permit;
import dev.ratelimit.core.PermitStore;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.management.RateLimitControlMBean;
import dev.ratelimit.core.metrics.MetricNames;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.redis.RedisUrl;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedis;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * The metrics and control of a concurrency policy, on a real Redis and in memory: in-flight, acquired,
 * denied, lease expirations, the failure modes' fallback meters, and the control MBean over JMX.
 */
class ConcurrencyMetricsTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final String CLIENT = "192.0.2.1";

    enum Store { REDIS, MEMORY }

    private final List<ApplicationRuntime> runtimes = new ArrayList<>();
    private int policies;

    @AfterEach
    void release() {
        runtimes.forEach(ApplicationRuntime::release);
    }

    private ApplicationRuntime runtime(ApplicationRuntime.Settings settings) {
        ApplicationRuntime runtime = new ApplicationRuntime(settings);
        runtimes.add(runtime);
        return runtime;
    }

    private ApplicationRuntime runtime() {
        return runtime(new ApplicationRuntime.Settings());
    }

    /** A policy of its own per call, so that tests sharing the class's Redis never meet. */
    private Policy policy(String limits, FailureMode failureMode) {
        return Policy.builder("conc" + (++policies) + "-" + System.nanoTime()).algorithm(Algorithm.CONCURRENCY)
                .limits(Limit.parseAll("limits", limits)).failureMode(failureMode).build();
    }

    private static RedisSettings redis(String url, long timeoutMillis) {
        return RedisUrl.standalone("redis-url", url).timeouts(timeoutMillis, timeoutMillis).pool(8, timeoutMillis).build();
    }

    private static RedisSettings settings(Store store) {
        return store == Store.REDIS ? redis(REDIS.url(), 2_000) : null;
    }

    private static long meter(ApplicationRuntime runtime, Policy policy, String metric) {
        return runtime.metrics().registry().meter(MetricNames.policy(policy.name(), metric)).getCount();
    }

    private static Object inFlight(ApplicationRuntime runtime, Policy policy) {
        return runtime.metrics().registry().getGauges().get(MetricNames.policy(policy.name(), MetricNames.IN_FLIGHT)).getValue();
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void counts_permits_acquired_and_denied_and_those_in_flight_until_each_is_given_back_once(Store store) {
        ApplicationRuntime runtime = runtime();
        Policy policy = policy("2/1m", null);
        ConcurrencyGate gate = runtime.concurrency(policy, settings(store));
        Permit first = gate.acquire(FakeRequest.from(CLIENT));
        Permit second = gate.acquire(FakeRequest.from(CLIENT));
        Permit refused = gate.acquire(FakeRequest.from(CLIENT));
        assertThat(refused.granted()).isFalse();
        assertThat(inFlight(runtime, policy)).isEqualTo(2L);
        assertThat(meter(runtime, policy, MetricNames.PERMITS_ACQUIRED)).isEqualTo(2);
        assertThat(meter(runtime, policy, MetricNames.ALLOWED)).isEqualTo(2);
        assertThat(meter(runtime, policy, MetricNames.DENIED)).isEqualTo(1);
        assertThat(runtime.metrics().registry().timer(MetricNames.policy(policy.name(), MetricNames.STORE_LATENCY))
                .getCount()).isEqualTo(3);

        first.release();
        first.release();
        refused.release();
        assertThat(inFlight(runtime, policy)).as("one release per permit, the refused one holds none").isEqualTo(1L);
        second.release();
        assertThat(inFlight(runtime, policy)).isEqualTo(0L);
        assertThat(meter(runtime, policy, MetricNames.FALLBACK_BYPASS) + meter(runtime, policy, MetricNames.FALLBACK_MEMORY))
                .isZero();
        assertThat(meter(runtime, policy, MetricNames.LEASE_EXPIRATIONS)).isZero();
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void counts_the_permits_recovered_from_holders_past_their_lease(Store store) throws InterruptedException {
        ApplicationRuntime runtime = runtime();
        Policy policy = policy("3/1m", null);
        ConcurrencyGate gate = runtime.concurrency(policy, settings(store));
        String key = policy.keyLayout().keysFor(FakeRequest.from(CLIENT)).get(0);
        // Two holders of an instance that is gone: taken, never renewed nor released.
        try (RedisClients clients = new RedisClients()) {
            PermitStore dead = store == Store.REDIS ? clients.open(redis(REDIS.url(), 2_000)).permits()
                    : runtime.permitMemory(policy.name());
            assertThat(dead.acquire(key, 3, 300, "dead-1").granted()).isTrue();
            assertThat(dead.acquire(key, 3, 300, "dead-2").granted()).isTrue();
        }
        Permit running = gate.acquire(FakeRequest.from(CLIENT));
        assertThat(running.decision().remaining()).isZero();
        assertThat(gate.acquire(FakeRequest.from(CLIENT)).granted()).isFalse();
        Thread.sleep(600);
        Permit recovered = gate.acquire(FakeRequest.from(CLIENT));
        assertThat(recovered.granted()).isTrue();
        assertThat(meter(runtime, policy, MetricNames.LEASE_EXPIRATIONS))
                .as("the two dead holders, not the running request").isEqualTo(2);
        assertThat(gate.acquire(FakeRequest.from(CLIENT)).granted()).isTrue();
        assertThat(meter(runtime, policy, MetricNames.LEASE_EXPIRATIONS)).as("counted once").isEqualTo(2);
        assertThat(inFlight(runtime, policy)).isEqualTo(3L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"open", "closed", "local"})
    void counts_failure_mode_decisions_like_the_rate_limiters_fallback_meters(String mode) {
        ApplicationRuntime runtime = runtime();
        Policy policy = policy("1/1m", FailureMode.parse("failure-mode", mode));
        ConcurrencyGate gate = runtime.concurrency(policy, redis("redis://127.0.0.1:" + TestRedis.freePort(), 200));
        Permit permit = gate.acquire(FakeRequest.from(CLIENT));
        long bypass = meter(runtime, policy, MetricNames.FALLBACK_BYPASS);
        long memory = meter(runtime, policy, MetricNames.FALLBACK_MEMORY);
        switch (mode) {
            case "open":
                assertThat(permit.granted()).isTrue();
                assertThat(bypass).isEqualTo(1);
                assertThat(meter(runtime, policy, MetricNames.ALLOWED)).isEqualTo(1);
                assertThat(meter(runtime, policy, MetricNames.PERMITS_ACQUIRED)).as("let through without a permit").isZero();
                assertThat(inFlight(runtime, policy)).isEqualTo(0L);
                break;
            case "closed":
                assertThat(permit.granted()).isFalse();
                assertThat(bypass).isEqualTo(1);
                assertThat(meter(runtime, policy, MetricNames.DENIED)).isEqualTo(1);
                assertThat(inFlight(runtime, policy)).isEqualTo(0L);
                break;
            default:
                assertThat(permit.granted()).isTrue();
                assertThat(memory).isEqualTo(1);
                assertThat(meter(runtime, policy, MetricNames.PERMITS_ACQUIRED)).isEqualTo(1);
                assertThat(inFlight(runtime, policy)).isEqualTo(1L);
                assertThat(gate.acquire(FakeRequest.from(CLIENT)).granted()).as("this instance's memory is full").isFalse();
                assertThat(meter(runtime, policy, MetricNames.FALLBACK_MEMORY)).isEqualTo(2);
                assertThat(meter(runtime, policy, MetricNames.DENIED)).isEqualTo(1);
        }
        permit.release();
        assertThat(inFlight(runtime, policy)).isEqualTo(0L);
    }

    @Test
    void publishes_the_gauge_over_jmx_and_the_control_lists_resets_and_refuses_changes() throws Exception {
        String domain = "test.concurrency." + System.nanoTime();
        ApplicationRuntime runtime = runtime(new ApplicationRuntime.Settings().application("conc-app").jmx(true, domain));
        Policy policy = policy("1/1m", null);
        ConcurrencyGate gate = runtime.concurrency(policy, settings(Store.REDIS));
        Permit held = gate.acquire(FakeRequest.from(CLIENT));
        assertThat(held.granted()).isTrue();
        assertThat(gate.acquire(FakeRequest.from(CLIENT)).granted()).isFalse();

        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName gauge = new ObjectName(domain + ":app=conc-app,type=gauges,name="
                + MetricNames.policy(policy.name(), MetricNames.IN_FLIGHT));
        assertThat(server.getAttribute(gauge, "Value")).isEqualTo(1L);
        ObjectName expirations = new ObjectName(domain + ":app=conc-app,type=meters,name="
                + MetricNames.policy(policy.name(), MetricNames.LEASE_EXPIRATIONS));
        assertThat(server.getAttribute(expirations, "Count")).isEqualTo(0L);

        RateLimitControlMBean control = JMX.newMBeanProxy(server,
                new ObjectName(domain + ":app=conc-app,type=Control,name=control"), RateLimitControlMBean.class);
        assertThat(control.getPolicies()).containsExactly(policy.describe());
        assertThat(control.resetIdentity(policy.name(), "ip=" + CLIENT))
                .isEqualTo(policy.name() + ": deleted 1 key(s) of ip=" + CLIENT);
        Permit afterReset = gate.acquire(FakeRequest.from(CLIENT));
        assertThat(afterReset.granted()).as("the identity's permit was dropped in Redis").isTrue();
        assertThat(control.resetIdentity(policy.name(), "ip=198.51.100.1")).endsWith("deleted 0 key(s) of ip=198.51.100.1");
        assertThatThrownBy(() -> control.setLimits(policy.name(), "5/1m"))
                .hasMessageContaining("Policy '" + policy.name() + "' has algorithm 'concurrency'")
                .hasMessageContaining("fixed at deployment");
        assertThatThrownBy(() -> control.setDryRun(policy.name(), true)).hasMessageContaining("algorithm 'concurrency'");
        assertThatThrownBy(() -> control.resetIdentity("nope", "ip=" + CLIENT))
                .hasMessageContaining("No policy named 'nope'; known: [" + policy.name() + "]");

        held.release();
        afterReset.release();
        assertThat(server.getAttribute(gauge, "Value")).isEqualTo(0L);
        runtime.forget(gate);
        assertThat(control.getPolicies()).as("forgotten with its filter").isEmpty();
    }
}
