package dev.ratelimit.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedisExtension;

/** The example's own WEB-INF/web.xml on a real Tomcat 9, with Redis given as users give it (system property). */
class ExampleWebappTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static Tomcat tomcat;
    private static int port;

    @BeforeAll
    static void deployTheExample() throws IOException, LifecycleException {
        System.setProperty("ratelimit.redis-url", REDIS.url());
        tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("example-tomcat").toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context context = tomcat.addWebapp("/webapp-example", new File("src/main/webapp").getAbsolutePath());
        ((StandardJarScanner) context.getJarScanner()).setScanClassPath(false);
        tomcat.start();
        port = tomcat.getConnector().getLocalPort();
        assertThat(context.getState().isAvailable()).as("the example deployed").isTrue();
    }

    @AfterAll
    static void stop() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
        System.clearProperty("ratelimit.redis-url");
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webapp-example" + path))
                .method(method, HttpRequest.BodyPublishers.ofString(method.equals("POST") ? "{\"event\":\"ping\"}" : ""))
                .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
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
        HttpResponse<String> webhook = send("POST", "/webhooks/github");
        assertThat(webhook.statusCode()).isEqualTo(202);
        assertThat(webhook.body()).isEqualTo("{\"accepted\":true,\"bytes\":16}");
        assertThat(webhook.headers().firstValue("X-RateLimit-Limit")).hasValue("30");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:webhook:*"))
                .isEqualTo("ratelimit:webhook:*:/webhooks/github:*:{ip=127.0.0.1}:fw:60000");
    }
}
