package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.servlet.AsyncContext;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.codahale.metrics.MetricRegistry;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.metrics.MetricNames;
import dev.ratelimit.testing.TestRedisExtension;
import dev.ratelimit.testing.TestTomcat;

/**
 * {@link PermitRelease} when the chain throws after starting async work (commit 532a2dd), on a real
 * Tomcat 9 and a real Redis. The filter hands the permit to an {@code AsyncListener} instead of giving it
 * back in its {@code finally}, meant to keep it taken while the async work runs.
 *
 * <p>What Tomcat 9 does with such a request: as soon as {@code service()} has thrown, it puts the async
 * cycle in error and calls the listeners' {@code onError} on the container thread, then closes the
 * connection without a response ({@code asyncPostProcess} refuses the state {@code MUST_ERROR}). So on
 * Tomcat the permit comes back at that {@code onError}, while the async work still runs: the branch
 * "released when the async work completes" is not reachable here. It stays for containers that keep
 * the async cycle going; this test pins what Tomcat does: the permit comes back once, is not leaked, and
 * the work's late {@code complete()} gives back nothing more.
 */
class AsyncThrowPermitTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private EmbeddedTomcat tomcat;

    @AfterEach
    void stop() {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    /** /throw-async starts async work on a thread of its own (finished on {@link #finishWork}), then throws. */
    static final class StartsAsyncThenThrows extends HttpServlet {
        final CountDownLatch thrown = new CountDownLatch(1);
        final CountDownLatch finishWork = new CountDownLatch(1);
        final CountDownLatch workDone = new CountDownLatch(1);
        volatile String workOutcome = "running";

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
            if (!request.getRequestURI().endsWith("/throw-async")) {
                response.getWriter().write("ok");
                return;
            }
            AsyncContext async = request.startAsync();
            async.setTimeout(60_000);
            Thread work = new Thread(() -> {
                try {
                    finishWork.await(60, TimeUnit.SECONDS);
                    async.getResponse().getWriter().write("late");
                    async.complete();
                    workOutcome = "completed";
                } catch (Exception e) {
                    workOutcome = e.toString();
                } finally {
                    workDone.countDown();
                }
            }, "async-work");
            work.start();
            thrown.countDown();
            throw new ServletException("failed after starting async work");
        }
    }

    @Test
    void a_chain_that_throws_after_starting_async_work_gives_its_permit_back_once_when_tomcat_ends_the_request()
            throws Exception {
        StartsAsyncThenThrows servlet = new StartsAsyncThenThrows();
        tomcat = new EmbeddedTomcat();
        Context app = tomcat.deploy("/app", EmbeddedTomcat.filterParams(REDIS.url(), "algorithm", "concurrency",
                "limits", "1/30s"), Map.of(), servlet);
        MetricRegistry metrics = (MetricRegistry) app.getServletContext().getAttribute(ApplicationRuntime.METRICS_SERVLET_REGISTRY);

        // One raw request, not the JDK client: it would send the GET again when the connection closes unanswered.
        CompletableFuture<String> failing = CompletableFuture.supplyAsync(() -> rawGet("/app/throw-async"));
        assertThat(servlet.thrown.await(20, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> second = awaitAdmitted("/app/ok");
        assertThat(servlet.workDone.getCount()).as("the async work still runs").isEqualTo(1);
        assertThat(second.headers().firstValue("X-RateLimit-Remaining")).as("the one permit, back at onError").hasValue("0");
        assertThat(inFlight(metrics)).isZero();
        String answer = failing.get(20, TimeUnit.SECONDS);
        System.out.println("[async-throw] " + TestTomcat.serverInfo()
                + " answered the failing request with " + (answer.isEmpty() ? "nothing (connection closed)" : firstLine(answer)));
        assertThat(answer).doesNotStartWith("HTTP/1.1 200");

        servlet.finishWork.countDown();
        assertThat(servlet.workDone.await(20, TimeUnit.SECONDS)).isTrue();
        System.out.println("[async-throw] the async work's late write and complete(): " + servlet.workOutcome);
        assertThat(inFlight(metrics)).as("given back once: no second release when the work ends").isZero();
        assertThat(metrics.meter(MetricNames.policy("limit", MetricNames.PERMITS_ACQUIRED)).getCount()).isEqualTo(2);
        HttpResponse<String> after = tomcat.get("/app/ok");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(REDIS.redis().command("KEYS", "ratelimit:api:limit:*"))
                .as("no holder left behind (Redis deletes an empty set)").isEmpty();
    }

    private HttpResponse<String> awaitAdmitted(String path) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HttpResponse<String> response = tomcat.get(path);
        while (response.statusCode() == 429 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            response = tomcat.get(path);
        }
        assertThat(response.statusCode()).isEqualTo(200);
        return response;
    }

    private static long inFlight(MetricRegistry metrics) {
        return (Long) metrics.getGauges().get(MetricNames.policy("limit", MetricNames.IN_FLIGHT)).getValue();
    }

    private static String firstLine(String response) {
        int end = response.indexOf('\r');
        return end < 0 ? response : response.substring(0, end);
    }

    /** The whole raw response to one GET (empty when the server closes without answering). */
    private String rawGet(String path) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), tomcat.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
