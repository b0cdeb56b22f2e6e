package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.catalina.Context;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.Promtool;
import dev.ratelimit.testing.TestPrometheus;
import dev.ratelimit.testing.TestRedisExtension;
import dev.ratelimit.testing.TestTomcat;

/**
 * A real Prometheus server scrapes the servlet in a real Tomcat every second, with the alert rules loaded:
 * the series, their values and labels as Prometheus sees them; {@code promtool check metrics} on the page;
 * every metric name the Grafana dashboard and the alert rules use is one Prometheus has scraped, and each of
 * their queries evaluates. Skipped, with the reason printed, where {@code prometheus}/{@code promtool} are absent.
 */
class PrometheusScrapeTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final Path ALERTS = Path.of("..", "etc", "prometheus", "ratelimit-alerts.yml");
    private static final Path DASHBOARD = Path.of("..", "etc", "grafana", "ratelimit-dashboard.json");
    private static final Pattern METRIC_NAME = Pattern.compile("\\bratelimit_[a-z0-9_]+");
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static TestTomcat tomcat;
    private static TestPrometheus prometheus;

    @BeforeAll
    static void scrapeAnApplication() {
        TestPrometheus.requireOnPath("prometheus");
        tomcat = new TestTomcat();
        StandardContext context = tomcat.codeContext("/shop");
        Tomcat.addServlet(context, "ok", new OkServlet());
        context.addServletMappingDecoded("/api/*", "ok");
        Tomcat.addServlet(context, "prometheus", new PrometheusMetricsServlet());
        context.addServletMappingDecoded("/metrics", "prometheus");
        TestTomcat.addFilter(context, "api-limit", RateLimitFilter.class.getName(), "/api/*",
                EmbeddedTomcat.filterParams(REDIS.url(), "limits", "2/1h"));
        Context shop = tomcat.deploy(context);
        for (int i = 0; i < 3; i++) {
            tomcat.get("/shop/api/orders");
        }
        // Stand-ins for the live-policy file's metrics, under the names it registers: ratelimit-alerts.yml and the
        // dashboard use them, and this shows how they are served (an application with a policy file has the real ones).
        MetricRegistry registry = ((ApplicationRuntime) shop.getServletContext().getAttribute(ApplicationRuntime.ATTRIBUTE))
                .metrics().registry();
        registry.counter("ratelimit.config.reload-failures");
        registry.gauge("ratelimit.config.reload-ok", () -> (Gauge<Integer>) () -> 1);
        prometheus = TestPrometheus.start(tomcat.port(), "/shop/metrics", List.of(ALERTS));
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (tomcat != null) {
            tomcat.close();
        }
    }

    @Test
    void prometheus_scrapes_the_counts_with_their_labels() {
        JsonArray denied = result(prometheus.awaitQuery("ratelimit_policy_denied_total", body -> !result(body).isEmpty(), PATIENCE));
        assertThat(denied).as(prometheus.log()).hasSize(1);
        JsonObject series = denied.get(0).getAsJsonObject();
        JsonObject labels = series.getAsJsonObject("metric");
        assertThat(labels.get("app").getAsString()).isEqualTo("shop");
        assertThat(labels.get("policy").getAsString()).isEqualTo("api-limit");
        assertThat(labels.get("job").getAsString()).isEqualTo("ratelimit");
        assertThat(series.getAsJsonArray("value").get(1).getAsString()).isEqualTo("1");

        assertThat(value("ratelimit_policy_allowed_total{app=\"shop\",policy=\"api-limit\"}")).isEqualTo("2");
        assertThat(value("ratelimit_redis_breaker_state{app=\"shop\",state=\"closed\"}")).isEqualTo("1");
        assertThat(value("ratelimit_redis_breaker_state{app=\"shop\",state=\"open\"}")).isEqualTo("0");
        assertThat(value("ratelimit_policy_store_latency_seconds_count{app=\"shop\",policy=\"api-limit\"}")).isEqualTo("3");
        assertThat(value("up{job=\"ratelimit\"}")).isEqualTo("1");
    }

    @Test
    void promtool_check_metrics_accepts_the_page() {
        String page = tomcat.get("/shop/metrics").body();
        Promtool.Result check = Promtool.run(Path.of("."), page, "check", "metrics");
        System.out.println("promtool check metrics:\n" + check.output());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).as("no lint complaints").isBlank();
    }

    @Test
    void every_metric_the_dashboard_and_the_alert_rules_use_is_served() throws Exception {
        Set<String> used = new TreeSet<>(metricNames(dashboardQueries()));
        used.addAll(metricNames(ruleQueries()));
        String names = prometheus.awaitBody("/api/v1/label/__name__/values",
                body -> body.contains("ratelimit_config_reload_ok") && body.contains("ratelimit_policy_denied_total"), PATIENCE);
        Set<String> served = new TreeSet<>();
        JsonParser.parseString(names).getAsJsonObject().getAsJsonArray("data").forEach(n -> served.add(n.getAsString()));

        assertThat(used).as("names in the dashboard and the alert rules").hasSizeGreaterThan(10);
        assertThat(served).as("names Prometheus scraped from the servlet").containsAll(used);
    }

    @Test
    void every_dashboard_query_evaluates_in_prometheus() throws Exception {
        for (String query : panelQueries()) {
            String promql = query.replace("$app", ".*").replace("$__rate_interval", "1m").replace("$__range", "5m");
            JsonObject answer = JsonParser.parseString(prometheus.query(promql)).getAsJsonObject();
            assertThat(answer.get("status").getAsString()).as(promql + " → " + answer).isEqualTo("success");
        }
    }

    @Test
    void every_alert_rule_loads_and_evaluates_without_error() {
        String rules = prometheus.awaitBody("/api/v1/rules", body -> !body.contains("\"health\":\"unknown\""), PATIENCE);
        JsonArray group = JsonParser.parseString(rules).getAsJsonObject().getAsJsonObject("data").getAsJsonArray("groups")
                .get(0).getAsJsonObject().getAsJsonArray("rules");
        assertThat(group).hasSize(7);
        for (JsonElement rule : group) {
            assertThat(rule.getAsJsonObject().get("health").getAsString()).as(rule.toString()).isEqualTo("ok");
        }
    }

    private static String value(String promql) {
        JsonArray result = result(prometheus.awaitQuery(promql, body -> !result(body).isEmpty(), PATIENCE));
        assertThat(result).as(promql).hasSize(1);
        return result.get(0).getAsJsonObject().getAsJsonArray("value").get(1).getAsString();
    }

    private static JsonArray result(String body) {
        JsonObject answer = JsonParser.parseString(body).getAsJsonObject();
        return answer.has("data") ? answer.getAsJsonObject("data").getAsJsonArray("result") : new JsonArray();
    }

    /** The PromQL of every panel target and the template variables' queries (Grafana's label_values(…)). */
    static List<String> dashboardQueries() throws Exception {
        JsonObject dashboard = JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject();
        List<String> queries = panelQueries();
        for (JsonElement variable : dashboard.getAsJsonObject("templating").getAsJsonArray("list")) {
            JsonElement definition = variable.getAsJsonObject().get("definition");
            if (definition != null) {
                queries.add(definition.getAsString());
            }
        }
        return queries;
    }

    /** The PromQL of every panel target. */
    static List<String> panelQueries() throws Exception {
        JsonObject dashboard = JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject();
        List<String> queries = new ArrayList<>();
        for (JsonElement panel : dashboard.getAsJsonArray("panels")) {
            for (JsonElement target : panel.getAsJsonObject().getAsJsonArray("targets")) {
                queries.add(target.getAsJsonObject().get("expr").getAsString());
            }
        }
        return queries;
    }

    /** The query of every rule, as Prometheus loaded them from ratelimit-alerts.yml. */
    private static List<String> ruleQueries() {
        String rules = prometheus.awaitBody("/api/v1/rules", body -> body.contains("RateLimit"), PATIENCE);
        List<String> queries = new ArrayList<>();
        for (JsonElement group : JsonParser.parseString(rules).getAsJsonObject().getAsJsonObject("data").getAsJsonArray("groups")) {
            for (JsonElement rule : group.getAsJsonObject().getAsJsonArray("rules")) {
                queries.add(rule.getAsJsonObject().get("query").getAsString());
            }
        }
        return queries;
    }

    private static Set<String> metricNames(List<String> queries) {
        Set<String> names = new TreeSet<>();
        for (String query : queries) {
            Matcher m = METRIC_NAME.matcher(query);
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }
}
