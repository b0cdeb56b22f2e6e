package dev.ratelimit.servlet;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.prometheus.metrics.model.snapshots.Labels;

import dev.ratelimit.core.metrics.MetricNames;

/**
 * The Prometheus name and labels of one of the library's Dropwizard metrics (table in src/docs/metrics.md):
 * <ul>
 *   <li>{@code ratelimit.policy.<policy>.<metric>} → {@code ratelimit_policy_<metric>{policy="<policy>"}}</li>
 *   <li>{@code ratelimit.redis.<host>-<port>-<db>.<metric>} → {@code ratelimit_redis_<metric>{redis="<host>:<port>/<db>"}}</li>
 *   <li>any other {@code ratelimit.<a>.<b>} → {@code ratelimit_<a>_<b>}, without a label of its own</li>
 * </ul>
 * The metric is the last dot-separated part, so a policy name with dots stays whole. Characters a Prometheus
 * name may not hold become {@code _}; label values are kept as they are (the exposition writers escape them).
 * Every series also gets {@code app}, the application's name. Type suffixes ({@code _total}, {@code _seconds})
 * are not part of {@link #name()}: {@link PrometheusSnapshots} adds them by the Dropwizard type.
 */
final class PrometheusMetricName {

    static final String APP_LABEL = "app";
    static final String POLICY_LABEL = "policy";
    static final String REDIS_LABEL = "redis";

    private static final String PREFIX = MetricNames.PREFIX + ".";
    private static final String POLICY = "policy";
    private static final String REDIS = "redis";
    private static final Pattern HOST_PORT_DB = Pattern.compile("(.+)-(\\d+)-(\\d+)");
    private static final Pattern NOT_IN_A_NAME = Pattern.compile("[^a-zA-Z0-9_]");

    private final String name;
    private final String labelName;
    private final String labelValue;
    private final String template;

    private PrometheusMetricName(String name, String labelName, String labelValue, String template) {
        this.name = name;
        this.labelName = labelName;
        this.labelValue = labelValue;
        this.template = template;
    }

    /** Whether the Dropwizard name is one of ours ({@code ratelimit.}…), which {@link #of} maps. */
    static boolean isOurs(String dropwizardName) {
        return dropwizardName.startsWith(PREFIX) && dropwizardName.length() > PREFIX.length();
    }

    /** @throws IllegalArgumentException for a name that is not {@linkplain #isOurs ours} */
    static PrometheusMetricName of(String dropwizardName) {
        if (!isOurs(dropwizardName)) {
            throw new IllegalArgumentException("Not a rate-limit metric (" + PREFIX + "…): " + dropwizardName);
        }
        String rest = dropwizardName.substring(PREFIX.length());
        int firstDot = rest.indexOf('.');
        int lastDot = rest.lastIndexOf('.');
        if (firstDot > 0 && lastDot > firstDot + 1 && lastDot < rest.length() - 1) {
            String kind = rest.substring(0, firstDot);
            String owner = rest.substring(firstDot + 1, lastDot);
            String metric = rest.substring(lastDot + 1);
            if (kind.equals(POLICY)) {
                return new PrometheusMetricName(sanitize(PREFIX + POLICY + "." + metric), POLICY_LABEL, owner,
                        PREFIX + POLICY + ".<policy>." + metric);
            }
            if (kind.equals(REDIS)) {
                return new PrometheusMetricName(sanitize(PREFIX + REDIS + "." + metric), REDIS_LABEL, redisLabel(owner),
                        PREFIX + REDIS + ".<host>-<port>-<db>." + metric);
            }
        }
        return new PrometheusMetricName(sanitize(dropwizardName), null, null, dropwizardName);
    }

    /** {@code redis.internal-6379-0} → {@code redis.internal:6379/0}; an IPv6 host gets brackets. */
    private static String redisLabel(String hostPortDb) {
        Matcher m = HOST_PORT_DB.matcher(hostPortDb);
        if (!m.matches()) {
            return hostPortDb;
        }
        String host = m.group(1).indexOf(':') >= 0 ? "[" + m.group(1) + "]" : m.group(1);
        return host + ":" + m.group(2) + "/" + m.group(3);
    }

    private static String sanitize(String dotted) {
        return NOT_IN_A_NAME.matcher(dotted).replaceAll("_");
    }

    /** The Prometheus name without a type suffix, e.g. {@code ratelimit_policy_allowed}. */
    String name() {
        return name;
    }

    /** The Dropwizard name with its label part as a placeholder, e.g. {@code ratelimit.policy.<policy>.allowed}. */
    String template() {
        return template;
    }

    /** Labels of this series: {@code app}, and {@code policy} or {@code redis} where the name has one. */
    Labels labels(String application) {
        List<String> names = labelName == null ? Collections.singletonList(APP_LABEL) : Arrays.asList(APP_LABEL, labelName);
        List<String> values = labelName == null ? Collections.singletonList(application) : Arrays.asList(application, labelValue);
        return Labels.of(names, values);
    }

    /**
     * Metrics of one owner (one policy, one Redis client) share this key, and never a Prometheus name; a metric
     * without a label of its own is its own owner.
     */
    String owner() {
        return labelName == null ? "metric:" + template : labelName + "=" + labelValue;
    }
}
