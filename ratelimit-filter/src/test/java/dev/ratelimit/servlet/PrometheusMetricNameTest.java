package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.metrics.MetricNames;
import io.prometheus.metrics.model.snapshots.Labels;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

class PrometheusMetricNameTest {

    @Test
    void a_policy_metric_becomes_a_name_per_metric_with_the_policy_as_a_label() {
        PrometheusMetricName name = PrometheusMetricName.of("ratelimit.policy.api-limit.dry-run-denied");
        assertThat(name.name()).isEqualTo("ratelimit_policy_dry_run_denied");
        assertThat((Object) name.labels("shop")).isEqualTo(Labels.of("app", "shop", "policy", "api-limit"));
        assertThat(name.template()).isEqualTo("ratelimit.policy.<policy>.dry-run-denied");
    }

    @Test
    void a_redis_metric_names_its_client_as_host_port_and_database() {
        PrometheusMetricName name = PrometheusMetricName.of(MetricNames.redis("redis-a.internal", 6380, 2, MetricNames.POOL_ACTIVE));
        assertThat(name.name()).isEqualTo("ratelimit_redis_pool_active");
        assertThat((Object) name.labels("shop")).isEqualTo(Labels.of("app", "shop", "redis", "redis-a.internal:6380/2"));
    }

    @Test
    void an_ipv6_redis_host_gets_brackets() {
        PrometheusMetricName name = PrometheusMetricName.of(MetricNames.redis("::1", 6379, 0, MetricNames.BREAKER_STATE));
        assertThat(name.labels("a").get("redis")).isEqualTo("[::1]:6379/0");
    }

    @Test
    void other_metrics_of_ours_keep_their_whole_name_and_only_the_app_label() {
        PrometheusMetricName name = PrometheusMetricName.of("ratelimit.config.reload-failures");
        assertThat(name.name()).isEqualTo("ratelimit_config_reload_failures");
        assertThat((Object) name.labels("shop")).isEqualTo(Labels.of("app", "shop"));
    }

    @Test
    void names_not_ours_are_refused() {
        assertThat(PrometheusMetricName.isOurs("jvm.memory.used")).isFalse();
        assertThat(PrometheusMetricName.isOurs("ratelimit.")).isFalse();
        assertThatThrownBy(() -> PrometheusMetricName.of("jvm.memory.used")).hasMessageContaining("jvm.memory.used");
    }

    /** Any policy name (dots, quotes, newlines included) stays whole in the label; the metric name never changes. */
    @Property
    void every_policy_name_maps_to_its_label_and_one_name_per_metric(@ForAll @StringLength(min = 1, max = 40) String policy) {
        for (String metric : new String[] {MetricNames.ALLOWED, MetricNames.DENIED, MetricNames.STORE_LATENCY}) {
            PrometheusMetricName name = PrometheusMetricName.of(MetricNames.policy(policy, metric));
            assertThat(name.name()).isEqualTo("ratelimit_policy_" + metric.replace('-', '_'));
            assertThat(name.labels("app").get("policy")).isEqualTo(policy);
            assertThat(name.owner()).isEqualTo("policy=" + policy);
        }
    }
}
