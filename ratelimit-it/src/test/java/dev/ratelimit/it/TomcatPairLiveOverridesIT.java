package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.function.Predicate;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two real Tomcat 9 servers, the same WAR on both, one Redis: an operator changes the limits and blocks a
 * client over JMX on server A (as jconsole would), and server B applies it.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TomcatPairLiveOverridesIT {

    /** Generous: the requirement is 2 s, but two servers, Redis and the build share two cores. */
    private static final long DEADLINE_MILLIS = 20_000;

    @ArquillianResource
    @OperateOnDeployment("live-a")
    URL onA;

    @ArquillianResource
    @OperateOnDeployment("live-b")
    URL onB;

    private static WebArchive live() {
        return Wars.limited("live", WebXml.create()
                .contextParam("ratelimit.redis-url", ClassRedis.get().url())
                .contextParam("ratelimit.timeout", "5s")
                .contextParam("ratelimit.connect-timeout", "5s")
                .contextParam("ratelimit.pool-max-wait", "5s")
                .filter("api", "/api/*", "limits", "100/1d"), "api");
    }

    @Deployment(name = "live-a", testable = false)
    @TargetsContainer("tomcat-a")
    static WebArchive liveOnA() {
        return live();
    }

    @Deployment(name = "live-b", testable = false)
    @TargetsContainer("tomcat-b")
    static WebArchive liveOnB() {
        return live();
    }

    @AfterAll
    static void stopRedis() {
        ClassRedis.stop();
    }

    private static String limit(HttpResponse<String> response) {
        return response.headers().firstValue("X-RateLimit-Limit").orElse(null);
    }

    private static HttpResponse<String> await(String what, URL app, Predicate<HttpResponse<String>> expected)
            throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            HttpResponse<String> response = Http.get(app, "api/ok.txt");
            if (expected.test(response)) {
                System.out.println("[live-overrides] " + what + ": " + (System.nanoTime() - start) / 1_000_000 + " ms");
                return response;
            }
            assertThat(System.nanoTime() - start).as(what + "; last " + response.statusCode() + " " + response.headers().map())
                    .isLessThan(DEADLINE_MILLIS * 1_000_000);
            Thread.sleep(50);
        }
    }

    @Test
    void a_change_made_over_jmx_on_one_server_applies_on_the_other() throws Exception {
        assertThat(onA.getPort()).as("two servers").isNotEqualTo(onB.getPort());
        assertThat(limit(Http.get(onB, "api/ok.txt"))).isEqualTo("100");
        try (ServerJmx a = ServerJmx.tomcat("a"); ServerJmx b = ServerJmx.tomcat("b")) {
            assertThat((String) a.invokeControl("live", "setLimits", "api", "60/1d")).contains("on every instance");
            await("setLimits on A reaches B", onB, r -> "60".equals(limit(r)));
            assertThat((String[]) b.controlAttribute("live", "Overrides")).singleElement().asString()
                    .startsWith("api: limits=60/1d (configured limits=[100/");

            a.invokeControl("live", "blockIdentity", "api", "ip=127.0.0.1", "10m");
            HttpResponse<String> blocked = await("the block reaches B", onB, r -> r.statusCode() == 403);
            assertThat(blocked.body()).contains("\"code\":\"ACCESS_DENIED\"");
            assertThat(limit(blocked)).isNull();

            b.invokeControl("live", "unblockIdentity", "api", "ip=127.0.0.1");
            await("unblocked on A", onA, r -> r.statusCode() == 200);
            a.invokeControl("live", "clearLimits", "api");
            await("the configured limits again on B", onB, r -> "100".equals(limit(r)));
            assertThat((String[]) a.controlAttribute("live", "Overrides")).isEmpty();
        }
    }
}
