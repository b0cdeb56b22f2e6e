package dev.ratelimit.namespaces;

import static dev.ratelimit.namespaces.EmbeddedServer.webXml;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.jaxrs.RateLimited;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * {@code @RateLimited} on Jersey, declared in web.xml, counting in a real Redis. Written against javax.ws.rs; the
 * jakarta run executes the transformed copy of this class on Tomcat 10.1, Jersey 3 and ratelimit-jaxrs-jakarta.jar.
 */
class JaxrsJerseyTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static EmbeddedServer server;
    private static Context app;

    @Path("/hello")
    public static class Hello {
        @GET
        @Produces("text/plain")
        @RateLimited(limits = "2/1m", scope = "hello")
        public String hello() {
            return "hello from JAX-RS";
        }
    }

    @BeforeAll
    static void deploy() {
        server = new EmbeddedServer();
        app = server.deploy("/rest-app", webXml(""
                + "  <context-param><param-name>ratelimit.redis-url</param-name><param-value>" + REDIS.url() + "</param-value></context-param>\n"
                + "  <context-param><param-name>ratelimit.metrics-jmx</param-name><param-value>false</param-value></context-param>\n"
                + "  <servlet><servlet-name>jersey</servlet-name>"
                + "<servlet-class>org.glassfish.jersey.servlet.ServletContainer</servlet-class>\n"
                + "    <init-param><param-name>jersey.config.server.provider.classnames</param-name><param-value>"
                + Hello.class.getName() + ",dev.ratelimit.jaxrs.RateLimitFeature</param-value></init-param>\n"
                + "    <load-on-startup>1</load-on-startup></servlet>\n"
                + "  <servlet-mapping><servlet-name>jersey</servlet-name><url-pattern>/api/*</url-pattern></servlet-mapping>\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void runs_in_the_namespace_this_run_is_for() {
        assertThat(Namespace.ofJaxrsFeature()).isEqualTo(Namespace.expected());
        assertThat(Namespace.services(Namespace.ofFilter() + ".servlet.ServletContainerInitializer"))
                .contains("dev.ratelimit.jaxrs.RateLimitServletInitializer");
    }

    @Test
    void limits_an_annotated_resource_method() {
        assertThat(app.getState().isAvailable()).isTrue();
        for (int remaining = 1; remaining >= 0; remaining--) {
            HttpResponse<String> ok = server.get("/rest-app/api/hello");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("hello from JAX-RS");
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(remaining));
        }
        HttpResponse<String> denied = server.get("/rest-app/api/hello");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After")).isPresent();
        assertThat(denied.body()).contains("\"code\":\"RATE_LIMIT_EXCEEDED\"");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:hello:*")).contains("ratelimit:hello:");
    }
}
