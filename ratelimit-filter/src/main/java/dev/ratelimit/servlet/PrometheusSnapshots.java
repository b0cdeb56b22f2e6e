package dev.ratelimit.servlet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;

import dev.ratelimit.core.StoreCircuitBreaker;
import dev.ratelimit.core.metrics.MetricNames;

/**
 * The library's metrics of one application's Dropwizard registry as Prometheus snapshots, named by
 * {@link PrometheusMetricName}. The Prometheus client's {@link DropwizardExports} converts each metric (meter and
 * counter → counter, timer → summary in seconds, numeric or boolean gauge → gauge). It refuses two metrics that
 * map to one name (client_java 1.3, issue 1712), and every policy's {@code allowed} does: so it runs once per
 * owner (one policy, one Redis client), where names are unique, and the series are merged here by name.
 * The text-valued {@code breaker-state} gauge, which the bridge skips, becomes a state set: one series per
 * state, 1 for the current one.
 */
final class PrometheusSnapshots {

    static final String BREAKER_STATE_LABEL = "state";

    private PrometheusSnapshots() {
    }

    static MetricSnapshots collect(MetricRegistry registry, String application) {
        Map<String, PrometheusMetricName> ours = new HashMap<>();
        Map<String, Set<String>> byOwner = new LinkedHashMap<>();
        for (String dropwizardName : registry.getNames()) {
            if (PrometheusMetricName.isOurs(dropwizardName)) {
                PrometheusMetricName name = PrometheusMetricName.of(dropwizardName);
                ours.put(dropwizardName, name);
                byOwner.computeIfAbsent(name.owner(), o -> new HashSet<>()).add(dropwizardName);
            }
        }
        Map<String, List<MetricSnapshot>> byName = new LinkedHashMap<>();
        LabelMapper mapper = new LabelMapper(ours, application);
        for (Set<String> names : byOwner.values()) {
            DropwizardExports exports = new DropwizardExports(registry, (n, m) -> names.contains(n), mapper);
            for (MetricSnapshot snapshot : exports.collect()) {
                byName.computeIfAbsent(snapshot.getMetadata().getName(), n -> new ArrayList<>()).add(snapshot);
            }
        }
        Map<String, Metric> metrics = registry.getMetrics();
        Map<String, String> templates = new HashMap<>();
        Set<String> timers = new HashSet<>();
        ours.forEach((dropwizardName, name) -> {
            templates.put(name.name(), name.template());
            if (metrics.get(dropwizardName) instanceof Timer) {
                timers.add(name.name());
            }
        });
        List<MetricSnapshot> merged = new ArrayList<>();
        byName.forEach((name, parts) -> merged.add(merge(metadata(name, templates.get(name), timers.contains(name), parts.get(0)), parts)));
        GaugeSnapshot breakers = breakerStates(metrics, ours, application);
        if (breakers != null) {
            merged.add(breakers);
        }
        return new MetricSnapshots(merged);
    }

    private static MetricMetadata metadata(String name, String template, boolean timer, MetricSnapshot sample) {
        String kind = timer ? "timer" : sample instanceof CounterSnapshot ? "meter or counter"
                : sample instanceof SummarySnapshot ? "histogram" : "gauge";
        String help = "Dropwizard " + kind + " " + template + " (src/docs/metrics.md)";
        return timer ? new MetricMetadata(name + "_seconds", help, Unit.SECONDS) : new MetricMetadata(name, help);
    }

    /** One snapshot of the parts' series (parts of another type than the first, or repeated labels, are left out). */
    private static MetricSnapshot merge(MetricMetadata metadata, List<MetricSnapshot> parts) {
        MetricSnapshot first = parts.get(0);
        if (first instanceof CounterSnapshot) {
            return new CounterSnapshot(metadata, points(parts, CounterSnapshot.class, CounterDataPointSnapshot.class));
        }
        if (first instanceof SummarySnapshot) {
            return new SummarySnapshot(metadata, points(parts, SummarySnapshot.class, SummaryDataPointSnapshot.class));
        }
        return new GaugeSnapshot(metadata, points(parts, GaugeSnapshot.class, GaugeDataPointSnapshot.class));
    }

    private static <P extends DataPointSnapshot> List<P> points(List<MetricSnapshot> parts, Class<? extends MetricSnapshot> type,
                                                                Class<P> pointType) {
        Map<Labels, P> points = new LinkedHashMap<>();
        for (MetricSnapshot part : parts) {
            if (type.isInstance(part)) {
                for (DataPointSnapshot point : part.getDataPoints()) {
                    points.putIfAbsent(point.getLabels(), pointType.cast(point));
                }
            }
        }
        return new ArrayList<>(points.values());
    }

    /** {@code ratelimit_redis_breaker_state{redis, state}}: 1 for the breaker's state, 0 for the others. */
    private static GaugeSnapshot breakerStates(Map<String, Metric> metrics, Map<String, PrometheusMetricName> ours,
                                               String application) {
        List<GaugeDataPointSnapshot> points = new ArrayList<>();
        String metricName = null;
        for (Map.Entry<String, PrometheusMetricName> entry : ours.entrySet()) {
            if (!entry.getKey().endsWith("." + MetricNames.BREAKER_STATE)) {
                continue;
            }
            Metric gauge = metrics.get(entry.getKey());
            Object state = gauge instanceof Gauge ? ((Gauge<?>) gauge).getValue() : null;
            if (state == null) {
                continue;
            }
            metricName = entry.getValue().name();
            Labels labels = entry.getValue().labels(application);
            for (String each : StoreCircuitBreaker.STATES) {
                points.add(GaugeDataPointSnapshot.builder()
                        .labels(labels.add(BREAKER_STATE_LABEL, each))
                        .value(each.equals(state.toString()) ? 1 : 0)
                        .build());
            }
        }
        if (points.isEmpty()) {
            return null;
        }
        return new GaugeSnapshot(new MetricMetadata(metricName, "Circuit breaker of a Redis client: 1 for its current "
                + "state (" + String.join(", ", StoreCircuitBreaker.STATES) + "), 0 for the others (src/docs/metrics.md)"), points);
    }

    /**
     * Names and labels from {@link PrometheusMetricName}. {@link CustomLabelMapper}'s pattern matching is not used
     * (a glob cannot tell a policy name with dots from the metric after it); it wants one config, so it gets one.
     */
    private static final class LabelMapper extends CustomLabelMapper {

        private static final String TOTAL = "_total";

        private final Map<String, PrometheusMetricName> names;
        private final String application;

        LabelMapper(Map<String, PrometheusMetricName> names, String application) {
            super(Collections.singletonList(new MapperConfig(MetricNames.PREFIX + ".*", MetricNames.PREFIX, Collections.emptyMap())));
            this.names = names;
            this.application = application;
        }

        /** The bridge asks with {@code _total} already appended for meters; the writers append it again. */
        @Override
        public String getName(String dropwizardName) {
            String name = dropwizardName.endsWith(TOTAL) && !names.containsKey(dropwizardName)
                    ? dropwizardName.substring(0, dropwizardName.length() - TOTAL.length()) : dropwizardName;
            return names.get(name).name();
        }

        @Override
        public Labels getLabels(String dropwizardName, List<String> additionalLabelNames, List<String> additionalLabelValues) {
            return names.get(dropwizardName).labels(application).merge(Labels.of(additionalLabelNames, additionalLabelValues));
        }
    }
}
