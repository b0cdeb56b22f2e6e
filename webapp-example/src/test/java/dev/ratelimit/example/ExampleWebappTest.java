package dev.ratelimit.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.glassfish.jersey.servlet.ServletContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.example.jaxrs.ExampleApplication;
import dev.ratelimit.testing.TestRedisExtension;
import dev.ratelimit.testing.TestTomcat;

/** The example's own WEB-INF/web.xml on a real Tomcat 9, with Redis given as users give it (system property). */
class ExampleWebappTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final String GITHUB_SECRET = "example-github-secret";
    private static final String STRIPE_SECRET = "whsec_example";
    private static TestTomcat tomcat;
    private static int port;
    private static Context context;

    @BeforeAll
    static void deployTheExample() {
        System.setProperty("ratelimit.redis-url", REDIS.url());
        // As `mvn -P run` gives them: system properties, never in the WAR.
        System.setProperty("example.webhook.github-secret", GITHUB_SECRET);
        System.setProperty("example.webhook.stripe-secret", STRIPE_SECRET);
        tomcat = new TestTomcat();
        port = tomcat.port();
        StandardContext example = tomcat.webXmlContext("/webapp-example", Path.of("src/main/webapp").toAbsolutePath());
        // What Jersey's initializer does with @ApplicationPath in the packaged WAR, without its scan.
        Wrapper jaxrs = Tomcat.addServlet(example, "jaxrs", new ServletContainer());
        jaxrs.addInitParameter("javax.ws.rs.Application", ExampleApplication.class.getName());
        jaxrs.setLoadOnStartup(1);
        example.addServletMappingDecoded("/rest/*", "jaxrs");
        // What Tomcat's own conf/web.xml gives every application: its static files, with their types.
        Tomcat.addServlet(example, "default", new DefaultServlet());
        example.addServletMappingDecoded("/", "default");
        example.addMimeMapping("html", "text/html");
        context = tomcat.deploy(example);
        assertThat(context.getState().isAvailable()).as("the example deployed").isTrue();
    }

    @AfterAll
    static void stop() {
        tomcat.close();
        System.clearProperty("ratelimit.redis-url");
        System.clearProperty("example.webhook.github-secret");
        System.clearProperty("example.webhook.stripe-secret");
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webapp-example" + path))
                .method(method, HttpRequest.BodyPublishers.ofString(method.equals("POST") ? "{\"event\":\"ping\"}" : ""))
                .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webapp-example" + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String hmacHex(String secret, String content) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void the_root_serves_an_unlimited_index_listing_every_route_with_curl_lines() throws Exception {
        for (int i = 0; i < 7; i++) {
            HttpResponse<String> index = send("GET", "/");
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
            assertThat(index.headers().firstValue("X-RateLimit-Limit")).as("not behind a limiter").isEmpty();
            assertThat(index.body()).contains("/api/*", "/api/search/*", "/api/reports/*", "/api/export", "/admin/*", "/webhooks/github", "/webhooks/stripe",
                    "/rest/orders", "/rest/orders/{id}", "/rest/search", "/rest/health", "/ratelimit/status",
                    "curl -i \"$BASE/api/orders\"", "BASE=http://localhost:8080/webapp-example", "curl -s \"$BASE/metrics\"");
        }
    }

    @Test
    void reports_allow_three_in_any_ten_seconds_by_a_sliding_window() throws Exception {
        String client = "198.51.100.30";
        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> ok = get("/api/reports/monthly", "X-Forwarded-For", client);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(String.valueOf(remaining));
        }
        HttpResponse<String> denied = get("/api/reports/monthly", "X-Forwarded-For", client);
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 10L);
        String key = REDIS.redis().command("KEYS", "ratelimit:reports:*");
        assertThat(key).contains("198.51.100.30").endsWith(":sw:10000");
        assertThat(REDIS.redis().command("LLEN", key)).isEqualTo("3");
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        return CLIENT.send(getRequest(path, headers), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest getRequest(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webapp-example" + path));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.build();
    }

    @Test
    void export_runs_at_most_two_at_once_per_client_and_refuses_a_third_with_429() throws Exception {
        String client = "198.51.100.40";
        // Two exports, each known to run once its status and header row have arrived (the servlet streams them first).
        List<HttpResponse<InputStream>> running = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            running.add(CLIENT.sendAsync(getRequest("/api/export", "X-Forwarded-For", client),
                    HttpResponse.BodyHandlers.ofInputStream()).get(30, TimeUnit.SECONDS));
        }
        List<BufferedReader> bodies = new ArrayList<>();
        for (HttpResponse<InputStream> export : running) {
            assertThat(export.statusCode()).isEqualTo(200);
            assertThat(export.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/csv"));
            BufferedReader body = new BufferedReader(new InputStreamReader(export.body(), StandardCharsets.UTF_8));
            assertThat(body.readLine()).isEqualTo("row,generated_at");
            bodies.add(body);
        }

        String permits = REDIS.redis().command("KEYS", "ratelimit:export:*" + client + "*");
        assertThat(REDIS.redis().command("ZCARD", permits)).as("two holders in Redis").isEqualTo("2");

        HttpResponse<String> third = get("/api/export", "X-Forwarded-For", client);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(third.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(third.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(third.body()).startsWith("{\"error\":{\"code\":\"CONCURRENCY_LIMIT_EXCEEDED\"");
        assertThat(get("/api/export", "X-Forwarded-For", "198.51.100.41").statusCode())
                .as("another client has its own two").isEqualTo(200);

        for (BufferedReader body : bodies) {
            List<String> rows = body.lines().collect(Collectors.toList());
            assertThat(rows).as("the whole export, after the third was refused").hasSize(ExportServlet.ROWS);
        }
        assertThat(get("/api/export", "X-Forwarded-For", client).statusCode()).as("permits back once both ended").isEqualTo(200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!REDIS.redis().command("ZCARD", permits).equals("0") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(REDIS.redis().command("ZCARD", permits)).as("every permit given back").isEqualTo("0");
    }

    @Test
    void api_allows_five_per_ten_seconds_then_answers_429_json() throws Exception {
        for (int i = 4; i >= 0; i--) {
            HttpResponse<String> ok = send("GET", "/api/orders/" + i);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("5");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(String.valueOf(i));
        }
        HttpResponse<String> denied = send("GET", "/api/orders/9");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After")).isPresent();
        assertThat(denied.body()).startsWith("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\"");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:api:*")).contains("{ip=127.0.0.1}");
    }

    @Test
    void admin_and_webhook_routes_have_their_own_scopes() throws Exception {
        HttpResponse<String> admin = send("GET", "/admin/status");
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.headers().firstValue("X-RateLimit-Limit")).hasValue("5");
        String event = "{\"event\":\"ping\"}";
        HttpResponse<String> unsigned = send("POST", "/webhooks/github");
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(unsigned.body()).startsWith("{\"error\":{\"code\":\"INVALID_SIGNATURE\"");

        HttpResponse<String> webhook = post("/webhooks/github", event,
                "X-Hub-Signature-256", "sha256=" + hmacHex(GITHUB_SECRET, event));
        assertThat(webhook.statusCode()).isEqualTo(202);
        assertThat(webhook.body()).isEqualTo("{\"accepted\":true,\"bytes\":16}");
        assertThat(webhook.headers().firstValue("X-RateLimit-Limit")).hasValue("30");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:webhook:*:fw:*"))
                .isEqualTo("ratelimit:webhook:github-webhook:*:/webhooks/github:*:{ip=127.0.0.1}:fw:60000");

        long t = System.currentTimeMillis() / 1000;
        HttpResponse<String> stripe = post("/webhooks/stripe", event,
                "Stripe-Signature", "t=" + t + ",v1=" + hmacHex(STRIPE_SECRET, t + "." + event));
        assertThat(stripe.statusCode()).isEqualTo(202);
        assertThat(post("/webhooks/stripe", event, "Stripe-Signature", "t=" + t + ",v1=" + hmacHex(STRIPE_SECRET, t + "." + event))
                .statusCode()).as("replay").isEqualTo(409);
        assertThat(send("POST", "/webhooks/other").statusCode()).as("no unverified webhook route").isEqualTo(404);
    }

    @Test
    void jaxrs_methods_have_their_own_limits_on_the_filters_redis_pool() throws Exception {
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> ok = send("GET", "/rest/orders/" + i);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
        }
        HttpResponse<String> denied = send("GET", "/rest/orders/4");
        assertThat(denied.statusCode()).as("/orders/{id} is one route").isEqualTo(429);
        assertThat(denied.body()).startsWith("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\"");
        assertThat(send("GET", "/rest/orders").headers().firstValue("X-RateLimit-Limit")).hasValue("10");
        assertThat(send("GET", "/rest/search?q=x").headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        HttpResponse<String> health = send("GET", "/rest/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("X-RateLimit-Limit")).isEmpty();
        ApplicationRuntime shared = (ApplicationRuntime) context.getServletContext().getAttribute(ApplicationRuntime.ATTRIBUTE);
        assertThat(shared.redis().openClients()).as("one Redis pool for filters and resources").isEqualTo(1);
    }

    @Test
    void admin_metrics_show_the_limiters_metrics_and_redis_health() throws Exception {
        send("GET", "/api/metrics-probe");
        HttpResponse<String> metrics = send("GET", "/admin/metrics/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("X-RateLimit-Limit")).as("behind the admin limit").hasValue("5");
        assertThat(metrics.body()).contains("\"ratelimit.policy.api-limit.allowed\"", "ratelimit.policy.api-limit.store-latency");
        HttpResponse<String> health = send("GET", "/admin/metrics/healthcheck");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("ratelimit.redis.127.0.0.1-" + REDIS.redis().port() + "-0.health", "\"healthy\":true");
    }

    @Test
    void the_status_page_answers_loopback_with_every_policy_and_no_limit_of_its_own() throws Exception {
        send("GET", "/api/status-probe");
        HttpResponse<String> status = send("GET", "/ratelimit/status");
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.headers().firstValue("X-RateLimit-Limit")).as("not behind a limiter").isEmpty();
        assertThat(status.body()).contains("<code>api-limit</code>", "<code>search-limit</code>", "<code>admin-limit</code>",
                "<code>github-webhook</code>", "loopback: read-only", "breaker=closed");
        assertThat(status.body()).as("no role configured: no action forms").doesNotContain("name=\"token\"");
    }

    @Test
    void prometheus_metrics_are_served_at_metrics_outside_every_limit() throws Exception {
        send("GET", "/api/prometheus-probe");
        for (int i = 0; i < 7; i++) {
            HttpResponse<String> page = send("GET", "/metrics");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("X-RateLimit-Limit")).as("not behind a limiter").isEmpty();
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(page.body())
                    .contains("ratelimit_policy_allowed_total{app=\"webapp-example\",policy=\"api-limit\"} ")
                    .contains("ratelimit_redis_breaker_state{app=\"webapp-example\",redis=\"127.0.0.1:" + REDIS.redis().port()
                            + "/0\",state=\"closed\"} 1.0");
        }
    }
}
