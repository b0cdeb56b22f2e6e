package dev.ratelimit.namespaces;

import static dev.ratelimit.namespaces.EmbeddedServer.filter;
import static dev.ratelimit.namespaces.EmbeddedServer.webXml;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedisExtension;

/**
 * The Servlet filter configured only by web.xml, on a real Tomcat and a real Redis. Runs twice (see the pom):
 * Tomcat 9 with ratelimit-filter.jar, and Tomcat 10.1 with ratelimit-filter-jakarta.jar.
 */
class WebXmlFilterTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static EmbeddedServer server;

    @BeforeAll
    static void start() {
        server = new EmbeddedServer();
        System.out.println("[namespaces] " + EmbeddedServer.serverInfo() + ", filter in " + Namespace.ofFilter());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @BeforeEach
    void cleanRedis() {
        REDIS.redis().flushAll();
    }

    @Test
    void runs_in_the_namespace_this_run_is_for() {
        assertThat(Namespace.ofFilter()).isEqualTo(Namespace.expected());
        assertThat(EmbeddedServer.serverInfo()).startsWith(Namespace.expected().equals("jakarta") ? "Apache Tomcat/10.1" : "Apache Tomcat/9.");
    }

    @Test
    void the_jar_registers_its_initializer_under_its_own_namespace() {
        assertThat(Namespace.services(Namespace.ofFilter() + ".servlet.ServletContainerInitializer"))
                .contains("dev.ratelimit.servlet.RateLimitFilterInitializer");
    }

    @Test
    void limits_in_redis_with_headers_and_a_json_429() {
        Context app = server.deploy("/limited", webXml(filter("api-limit", "/*",
                "limits", "3/1m", "redis-url", REDIS.url(), "metrics-jmx", "false")));
        assertThat(app.getState().isAvailable()).isTrue();

        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> ok = server.get("/limited/hello.txt");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("hello");
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(remaining));
            assertThat(ok.headers().firstValue("X-RateLimit-Reset")).isPresent();
        }
        HttpResponse<String> denied = server.get("/limited/hello.txt");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
        assertThat(denied.body()).contains("\"code\":\"RATE_LIMIT_EXCEEDED\"").contains("\"retryAfter\":");
        // Counted in Redis, not in this JVM's memory.
        assertThat(REDIS.redis().command("KEYS", "ratelimit:api:*")).contains("ratelimit:api:");
        server.undeploy(app);
    }

    @Test
    void a_policy_file_overrides_web_xml_and_its_edits_apply(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("ratelimit-policies.properties");
        java.nio.file.Files.writeString(file, "api-limit.limits=5/1m\napi-limit.deny-addresses=127.0.0.0/8, ::1\n");
        Context app = server.deploy("/live", webXml("  <context-param><param-name>ratelimit.config-file</param-name>"
                + "<param-value>" + file + "</param-value></context-param>\n"
                + filter("api-limit", "/*", "limits", "3/1m", "redis-url", REDIS.url(), "metrics-jmx", "false")));
        assertThat(app.getState().isAvailable()).isTrue();
        HttpResponse<String> denied = server.get("/live/hello.txt");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("\"code\":\"ACCESS_DENIED\"");

        java.nio.file.Path next = dir.resolve("next.tmp");
        java.nio.file.Files.writeString(next, "api-limit.limits=5/1m\n");
        java.nio.file.Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        long end = System.currentTimeMillis() + 20_000;
        HttpResponse<String> ok = server.get("/live/hello.txt");
        while (ok.statusCode() != 200) {
            assertThat(System.currentTimeMillis()).as("the edit applied").isLessThan(end);
            Thread.sleep(25);
            ok = server.get("/live/hello.txt");
        }
        assertThat(ok.headers().firstValue("X-RateLimit-Limit")).as("the file's limits, not web.xml's").hasValue("5");
        server.undeploy(app);
    }

    @Test
    void a_bad_init_param_fails_the_deployment() {
        Context app = server.deploy("/broken", webXml(filter("api-limit", "/*", "limits", "lots", "metrics-jmx", "false")));
        assertThat(app.getState().isAvailable()).isFalse();
        assertThat(server.get("/broken/hello.txt").statusCode()).isEqualTo(404);
        server.undeploy(app);
    }
}
