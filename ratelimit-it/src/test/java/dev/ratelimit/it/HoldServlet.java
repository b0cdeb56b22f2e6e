package dev.ratelimit.it;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Runs inside the test WARs (never in the test JVM): slow requests the test ends when it chooses, so "in flight"
 * does not depend on timing. Requests are grouped in named batches:
 * <ul>
 * <li>{@code GET /hold/<batch>}: waits until the batch is released (at most {@value #MAX_HOLD_SECONDS} s, then 504),
 * then answers 200 {@code released};</li>
 * <li>{@code GET /held/<batch>}: how many requests of the batch are waiting now;</li>
 * <li>{@code GET /release/<batch>}: lets them (and any later ones of the batch) go.</li>
 * </ul>
 * No nested classes: the tests add this one class file to the WARs without loading it (see {@link Wars#withHoldServlet}).
 */
public class HoldServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The class as a resource, for the WARs; a name, so the test JVM never needs the Servlet API to load it. */
    static final String CLASS_NAME = "dev.ratelimit.it.HoldServlet";

    private static final long MAX_HOLD_SECONDS = 60;

    private static final ConcurrentMap<String, CountDownLatch> GATES = new ConcurrentHashMap<>();
    private static final ConcurrentMap<String, AtomicInteger> WAITING = new ConcurrentHashMap<>();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String batch = request.getPathInfo() == null ? "/" : request.getPathInfo();
        CountDownLatch gate = GATES.computeIfAbsent(batch, b -> new CountDownLatch(1));
        AtomicInteger waiting = WAITING.computeIfAbsent(batch, b -> new AtomicInteger());
        response.setContentType("text/plain");
        switch (request.getServletPath()) {
            case "/release":
                gate.countDown();
                response.getWriter().write("released");
                return;
            case "/held":
                response.getWriter().write(Integer.toString(waiting.get()));
                return;
            default:
                waiting.incrementAndGet();
                boolean released;
                try {
                    released = gate.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    released = false;
                } finally {
                    waiting.decrementAndGet();
                }
                if (!released) {
                    response.setStatus(HttpServletResponse.SC_GATEWAY_TIMEOUT);
                }
                response.getWriter().write(released ? "released" : "never released");
        }
    }
}
