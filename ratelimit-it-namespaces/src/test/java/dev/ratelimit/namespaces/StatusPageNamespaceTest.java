package dev.ratelimit.namespaces;

import static dev.ratelimit.namespaces.EmbeddedServer.filter;
import static dev.ratelimit.namespaces.EmbeddedServer.webXml;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedisExtension;

/** The status page servlet from web.xml, in the namespace of this run (javax on Tomcat 9, jakarta on Tomcat 10.1). */
class StatusPageNamespaceTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static EmbeddedServer server;

    @BeforeAll
    static void start() {
        server = new EmbeddedServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void shows_the_policy_and_the_denied_client_to_loopback() {
        Context app = server.deploy("/status-ns", webXml(filter("api-limit", "/api/*",
                "limits", "1/1h", "redis-url", REDIS.url(), "metrics-jmx", "false", "key-prefix", "status-ns")
                + "  <servlet><servlet-name>ratelimit-status</servlet-name>"
                + "<servlet-class>dev.ratelimit.servlet.RateLimitStatusServlet</servlet-class>"
                + "<load-on-startup>1</load-on-startup></servlet>\n"
                + "  <servlet-mapping><servlet-name>ratelimit-status</servlet-name>"
                + "<url-pattern>/ratelimit/status</url-pattern></servlet-mapping>\n"));
        assertThat(app.getState().isAvailable()).isTrue();
        server.get("/status-ns/api/x");
        assertThat(server.get("/status-ns/api/x").statusCode()).isEqualTo(429);

        HttpResponse<String> page = server.get("/status-ns/ratelimit/status");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<code>api-limit</code>", "<code>ip=127.0.0.1</code>", "loopback: read-only");
        server.undeploy(app);
    }
}
