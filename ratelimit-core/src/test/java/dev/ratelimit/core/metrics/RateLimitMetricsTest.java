package dev.ratelimit.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

import com.codahale.metrics.MetricRegistry;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.PolicyMetrics;

class RateLimitMetricsTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void records_decisions_and_store_latency() {
        RateLimitMetrics metrics = new RateLimitMetrics(null, "unit", "dev.ratelimit.test", false);
        PolicyMetrics policy = metrics.policy("p");
        policy.record(Decision.allowed(1, 0, 0, DecisionSource.REDIS), false, 1_000);
        policy.record(Decision.denied(1, 0, 0, 1, DecisionSource.REDIS), false, -1);
        policy.record(Decision.denied(1, 0, 0, 1, DecisionSource.REDIS).asDryRun(), false, 2_000);
        policy.record(Decision.allowed(0, 0, 0, DecisionSource.BYPASS), true, 3_000);
        MetricRegistry r = metrics.registry();
        assertThat(r.meter("ratelimit.policy.p.allowed").getCount()).isEqualTo(2);
        assertThat(r.meter("ratelimit.policy.p.denied").getCount()).isEqualTo(1);
        assertThat(r.meter("ratelimit.policy.p.dry-run-denied").getCount()).isEqualTo(1);
        assertThat(r.meter("ratelimit.policy.p.fallback-bypass").getCount()).isEqualTo(1);
        assertThat(r.meter("ratelimit.policy.p.deny-cache-hits").getCount()).isEqualTo(1);
        assertThat(r.timer("ratelimit.policy.p.store-latency").getCount()).isEqualTo(3);
        metrics.close();
        assertThat(r.getMetrics()).isEmpty();
    }

    @Test
    void publishes_over_jmx_under_the_application_and_removes_everything_on_close() throws Exception {
        MetricRegistry shared = new MetricRegistry();
        shared.counter("app.own.counter");
        RateLimitMetrics metrics = new RateLimitMetrics(shared, "shop", "dev.ratelimit.test", true);
        metrics.policy("p").record(Decision.allowed(1, 0, 0, DecisionSource.MEMORY), false, 500);
        ObjectName allowed = new ObjectName("dev.ratelimit.test:app=shop,type=meters,name=ratelimit.policy.p.allowed");
        ObjectName latency = new ObjectName("dev.ratelimit.test:app=shop,type=timers,name=ratelimit.policy.p.store-latency");
        assertThat(server.getAttribute(allowed, "Count")).isEqualTo(1L);
        assertThat(server.getAttribute(latency, "Count")).isEqualTo(1L);
        assertThat(server.queryNames(new ObjectName("dev.ratelimit.test:name=app.own.counter,*"), null))
                .as("the application's own metrics are not ours to publish").isEmpty();
        metrics.close();
        assertThat(server.isRegistered(allowed)).isFalse();
        assertThat(shared.getNames()).containsExactly("app.own.counter");
    }

    @Test
    void names_applications_by_context_path() {
        assertThat(JmxNames.applicationName("")).isEqualTo("ROOT");
        assertThat(JmxNames.applicationName("/shop")).isEqualTo("shop");
        assertThat(new JmxNames("a,b").name("d", "meters", "x").toString()).isEqualTo("d:app=\"a,b\",type=meters,name=x");
    }
}
