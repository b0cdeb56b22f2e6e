package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.TestRedisExtension;
import dev.ratelimit.testing.TestTomcat;

/** The servlet in a real Tomcat, in front of a real Redis: names, labels, types and both formats. */
class PrometheusMetricsServletTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    /** Quotes, a backslash and dots: the label value must come out escaped and whole. */
    static final String ODD_POLICY = "odd \"quoted\" \\ name.v2";

    private static TestTomcat tomcat;
    private static Context shop;
    private static String redisLabel;

    @BeforeAll
    static void deploy() {
        tomcat = new TestTomcat();
        StandardContext context = tomcat.codeContext("/shop");
        Tomcat.addServlet(context, "ok", new OkServlet());
        context.addServletMappingDecoded("/api/*", "ok");
        context.addServletMappingDecoded("/odd/*", "ok");
        Tomcat.addServlet(context, "prometheus", new PrometheusMetricsServlet());
        context.addServletMappingDecoded("/metrics", "prometheus");
        TestTomcat.addFilter(context, "api-limit", RateLimitFilter.class.getName(), "/api/*",
                EmbeddedTomcat.filterParams(REDIS.url(), "limits", "2/1h"));
        TestTomcat.addFilter(context, "odd", RateLimitFilter.class.getName(), "/odd/*",
                EmbeddedTomcat.filterParams(REDIS.url(), "limits", "5/1h", "policy-name", ODD_POLICY, "dry-run", "true"));
        shop = tomcat.deploy(context);
        URI redis = URI.create(REDIS.url());
        redisLabel = redis.getHost() + ":" + redis.getPort() + "/0";
    }

    @AfterAll
    static void stop() {
        tomcat.close();
    }

    @Test
    void serves_counters_summaries_and_gauges_with_their_labels_in_the_text_format() {
        for (int i = 0; i < 3; i++) {
            tomcat.get("/shop/api/orders");
        }
        HttpResponse<String> page = tomcat.get("/shop/metrics");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/plain;version=0.0.4;charset=utf-8");
        String body = page.body();
        assertThat(body).contains("# TYPE ratelimit_policy_allowed_total counter\n")
                .contains("ratelimit_policy_allowed_total{app=\"shop\",policy=\"api-limit\"} 2.0\n")
                .contains("ratelimit_policy_denied_total{app=\"shop\",policy=\"api-limit\"} 1.0\n")
                .contains("# TYPE ratelimit_policy_store_latency_seconds summary\n")
                .contains("ratelimit_policy_store_latency_seconds_count{app=\"shop\",policy=\"api-limit\"} 3\n")
                .contains("ratelimit_policy_store_latency_seconds{app=\"shop\",policy=\"api-limit\",quantile=\"0.95\"} ")
                .contains("ratelimit_redis_pool_active{app=\"shop\",redis=\"" + redisLabel + "\"} ")
                .contains("ratelimit_redis_breaker_state{app=\"shop\",redis=\"" + redisLabel + "\",state=\"closed\"} 1.0\n")
                .contains("ratelimit_redis_breaker_state{app=\"shop\",redis=\"" + redisLabel + "\",state=\"open\"} 0.0\n");
        assertThat(body).as("one family per name, whatever the number of policies")
                .containsOnlyOnce("# TYPE ratelimit_policy_allowed_total counter");
    }

    @Test
    void escapes_label_values_and_keeps_a_policy_name_with_dots_whole() {
        tomcat.get("/shop/odd/1");
        String body = tomcat.get("/shop/metrics").body();
        assertThat(body).contains("ratelimit_policy_allowed_total{app=\"shop\",policy=\"odd \\\"quoted\\\" \\\\ name.v2\"} ");
    }

    @Test
    void serves_openmetrics_when_the_accept_header_asks_for_it() {
        HttpResponse<String> page = tomcat.get("/shop/metrics", "Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8");

        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/openmetrics-text"));
        assertThat(page.body()).contains("# TYPE ratelimit_policy_allowed counter\n")
                .contains("# UNIT ratelimit_policy_store_latency_seconds seconds\n")
                .endsWith("# EOF\n");
    }

    @Test
    void an_application_without_a_limiter_gets_an_empty_page() {
        StandardContext plain = tomcat.codeContext("/plain");
        Tomcat.addServlet(plain, "prometheus", new PrometheusMetricsServlet());
        plain.addServletMappingDecoded("/metrics", "prometheus");
        tomcat.deploy(plain);

        HttpResponse<String> page = tomcat.get("/plain/metrics");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).isEmpty();
    }

    @Test
    void metrics_md_lists_exactly_the_names_served() throws Exception {
        tomcat.get("/shop/odd/2");
        Set<String> served = new TreeSet<>();
        Matcher type = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(tomcat.get("/shop/metrics").body());
        while (type.find()) {
            served.add(type.group(1));
        }
        Set<String> documented = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `(ratelimit_[a-z_]+)` \\|").matcher(Files.readString(Path.of("..", "src", "docs", "metrics.md")));
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void serves_only_the_library_metrics_of_a_registry_the_application_shares() {
        ApplicationRuntime runtime = (ApplicationRuntime) shop.getServletContext().getAttribute(ApplicationRuntime.ATTRIBUTE);
        runtime.metrics().registry().counter("orders.placed").inc();
        assertThat(tomcat.get("/shop/metrics").body()).doesNotContain("orders");
    }
}
