package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.servlet.AsyncContext;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedisExtension;

/** algorithm=concurrency through the Servlet filter, on real Tomcats and a real Redis. */
class ConcurrencyFilterTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private final ExecutorService clients = Executors.newFixedThreadPool(16);
    private final List<EmbeddedTomcat> tomcats = new ArrayList<>();

    @BeforeEach
    void flush() {
        REDIS.redis().flushAll();
    }

    @AfterEach
    void stop() {
        clients.shutdownNow();
        tomcats.forEach(EmbeddedTomcat::close);
    }

    /** Holds each request until {@link #open}: /sync in the request thread, /async on another, /throw then fails. */
    static final class HeldServlet extends HttpServlet {
        final Semaphore arrived = new Semaphore(0);
        volatile CountDownLatch open = new CountDownLatch(1);
        volatile long holdMillis = -1;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
            arrived.release();
            if (request.getRequestURI().endsWith("/async")) {
                AsyncContext async = request.startAsync();
                async.setTimeout(30_000);
                async.start(() -> {
                    await();
                    try {
                        async.getResponse().getWriter().write("async");
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    async.complete();
                });
                return;
            }
            await();
            if (request.getRequestURI().endsWith("/throw")) {
                throw new ServletException("the application failed");
            }
            response.getWriter().write("ok");
        }

        private void await() {
            try {
                if (holdMillis >= 0) {
                    Thread.sleep(holdMillis);
                } else {
                    open.await(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private EmbeddedTomcat tomcat(HeldServlet servlet, String limits) {
        EmbeddedTomcat tomcat = new EmbeddedTomcat();
        tomcats.add(tomcat);
        tomcat.deploy("/app", EmbeddedTomcat.filterParams(REDIS.url(), "algorithm", "concurrency", "limits", limits),
                Map.of(), servlet);
        return tomcat;
    }

    private List<Future<HttpResponse<String>>> send(EmbeddedTomcat tomcat, String path, int n) {
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sent.add(clients.submit(() -> tomcat.get(path)));
        }
        return sent;
    }

    /** Waits for {@code admitted} requests to reach the servlet and {@code refused} 429s to come back. */
    private static List<HttpResponse<String>> refusedOf(List<Future<HttpResponse<String>>> sent, HeldServlet servlet,
                                                        int admitted, int refused) throws Exception {
        assertThat(servlet.arrived.tryAcquire(admitted, 20, TimeUnit.SECONDS)).as(admitted + " admitted").isTrue();
        List<HttpResponse<String>> refusals = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (refusals.size() < refused && System.nanoTime() < deadline) {
            refusals.clear();
            for (Future<HttpResponse<String>> f : sent) {
                if (f.isDone()) {
                    refusals.add(f.get());
                }
            }
            Thread.sleep(20);
        }
        assertThat(refusals).hasSize(refused);
        return refusals;
    }

    @Test
    void eight_slow_requests_under_limit_5_admit_exactly_5_and_refuse_3_with_the_code() throws Exception {
        HeldServlet servlet = new HeldServlet();
        EmbeddedTomcat tomcat = tomcat(servlet, "5/30s");
        List<Future<HttpResponse<String>>> sent = send(tomcat, "/app/sync", 8);
        for (HttpResponse<String> refused : refusedOf(sent, servlet, 5, 3)) {
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.headers().firstValue("X-RateLimit-Limit")).hasValue("5");
            assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
            assertThat(refused.body()).contains("\"code\":\"CONCURRENCY_LIMIT_EXCEEDED\"");
        }
        assertThat(servlet.arrived.availablePermits()).as("no 6th request reached the servlet").isZero();
        servlet.open.countDown();
        int ok = 0;
        for (Future<HttpResponse<String>> f : sent) {
            if (f.get(20, TimeUnit.SECONDS).statusCode() == 200) {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(5);
        HttpResponse<String> after = tomcat.get("/app/sync");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.headers().firstValue("X-RateLimit-Remaining")).as("every permit came back").hasValue("4");
    }

    @Test
    void permits_come_back_when_sync_async_and_failing_requests_end() throws Exception {
        for (String path : List.of("/app/sync", "/app/async", "/app/throw")) {
            HeldServlet servlet = new HeldServlet();
            EmbeddedTomcat tomcat = tomcat(servlet, "2/30s");
            List<Future<HttpResponse<String>>> held = send(tomcat, path, 2);
            assertThat(servlet.arrived.tryAcquire(2, 20, TimeUnit.SECONDS)).isTrue();
            assertThat(tomcat.get(path).statusCode()).as(path + " while 2 are held").isEqualTo(429);
            servlet.open.countDown();
            for (Future<HttpResponse<String>> f : held) {
                assertThat(f.get(20, TimeUnit.SECONDS).statusCode()).as(path).isEqualTo(path.endsWith("throw") ? 500 : 200);
            }
            // The async listener runs as the response completes, a moment after the client may see it.
            HttpResponse<String> next = null;
            for (int i = 0; i < 50; i++) {
                next = tomcat.get(path);
                if (next.statusCode() != 429) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(next.headers().firstValue("X-RateLimit-Remaining")).as(path + ": both permits came back").hasValue("1");
            tomcat.close();
            tomcats.remove(tomcat);
            REDIS.redis().flushAll();
        }
    }

    @Test
    void two_tomcats_sharing_redis_hold_exactly_the_limit_in_flight_overall() throws Exception {
        HeldServlet first = new HeldServlet();
        HeldServlet second = new HeldServlet();
        EmbeddedTomcat a = tomcat(first, "3/30s");
        EmbeddedTomcat b = tomcat(second, "3/30s");
        List<Future<HttpResponse<String>>> sent = new ArrayList<>(send(a, "/app/sync", 4));
        sent.addAll(send(b, "/app/sync", 4));
        assertThat(waitForArrivals(first, second, 3)).isEqualTo(3);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (sent.stream().filter(Future::isDone).count() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        for (Future<HttpResponse<String>> f : sent) {
            if (f.isDone()) {
                assertThat(f.get().statusCode()).isEqualTo(429);
            }
        }
        assertThat(sent.stream().filter(Future::isDone).count()).as("5 refused").isEqualTo(5);
        assertThat(first.arrived.availablePermits() + second.arrived.availablePermits()).as("3 in flight overall").isEqualTo(3);
        first.open.countDown();
        second.open.countDown();
        int ok = 0;
        for (Future<HttpResponse<String>> f : sent) {
            ok += f.get(20, TimeUnit.SECONDS).statusCode() == 200 ? 1 : 0;
        }
        assertThat(ok).isEqualTo(3);
    }

    private static int waitForArrivals(HeldServlet first, HeldServlet second, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (first.arrived.availablePermits() + second.arrived.availablePermits() < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return first.arrived.availablePermits() + second.arrived.availablePermits();
    }

    @Test
    void a_request_running_past_its_lease_keeps_its_permit_while_renewed() throws Exception {
        HeldServlet servlet = new HeldServlet();
        servlet.holdMillis = 1000;
        EmbeddedTomcat tomcat = tomcat(servlet, "1/300ms");
        Future<HttpResponse<String>> running = send(tomcat, "/app/sync", 1).get(0);
        assertThat(servlet.arrived.tryAcquire(1, 20, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(700);
        assertThat(running.isDone()).as("still running after two leases").isFalse();
        assertThat(tomcat.get("/app/sync").statusCode()).as("its permit was renewed").isEqualTo(429);
        assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void undeploying_and_redeploying_leaves_no_lease_renewer_thread() throws Exception {
        HeldServlet servlet = new HeldServlet();
        servlet.holdMillis = 0;
        EmbeddedTomcat tomcat = new EmbeddedTomcat();
        tomcats.add(tomcat);
        for (int i = 0; i < 3; i++) {
            Context app = tomcat.deploy("/app", EmbeddedTomcat.filterParams(REDIS.url(), "algorithm", "concurrency",
                    "limits", "2/300ms"), Map.of(), servlet);
            assertThat(tomcat.get("/app/sync").statusCode()).isEqualTo(200);
            assertThat(renewerThreads()).as("started by the first permit").isPositive();
            tomcat.undeploy(app);
            assertThat(renewerThreads()).as("after undeploy %d", i + 1).isZero();
        }
    }

    private static long renewerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("ratelimit-lease-renewer")).count();
    }
}
