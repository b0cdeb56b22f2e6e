package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;
import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.webhook.WebhookParams;
import dev.ratelimit.core.webhook.WebhookSettings;

/**
 * What the Servlet webhook check holds in memory for one request: bounded by the bytes that arrived, not by the
 * Content-Length a client announces. A measurement of this thread's allocations (HotSpot's
 * {@code getCurrentThreadAllocatedBytes}), taken around one call; no container, the in-memory store.
 */
class ServletWebhookCheckMemoryTest {

    private static final String SECRET_PROPERTY = "test.webhook.guard-memory-secret";
    private static final long ANNOUNCED = 60_000_000;

    private ApplicationRuntime shared;
    private ServletWebhookCheck guard;

    @BeforeEach
    void guardWithTheLargestMaxBody() {
        System.setProperty(SECRET_PROPERTY, "secret");
        Map<String, String> params = new HashMap<>();
        params.put("webhook-scheme", "github");
        params.put("webhook-secret-property", SECRET_PROPERTY);
        params.put("webhook-max-body", "64MiB");
        WebhookSettings settings = WebhookParams.read(new ConfigParams(params::get), "webhook");
        Policy policy = Policy.builder("hooks").scope("webhook").limits(Limit.parseAll("limits", "5/1h")).build();
        shared = new ApplicationRuntime();
        guard = new ServletWebhookCheck(shared.webhookGate(settings, shared.limiter(policy, null)));
    }

    @AfterEach
    void clear() {
        System.clearProperty(SECRET_PROPERTY);
    }

    @Test
    void a_small_body_announcing_60_mb_costs_kilobytes_not_the_announced_length() throws Exception {
        byte[] body = "{\"small\":true}".getBytes(StandardCharsets.UTF_8);
        guard.admit(request(body, body.length), response()); // warm up: classes, HMAC provider
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        guard.admit(request(body, ANNOUNCED), response());
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated for a %d-byte body announcing %d", body.length, ANNOUNCED)
                .isLessThan(1024 * 1024);
    }

    /** A POST whose Content-Length says {@code announced} and whose stream holds only {@code body}. */
    private static HttpServletRequest request(byte[] body, long announced) {
        ByteArrayInputStream in = new ByteArrayInputStream(body);
        ServletInputStream stream = new ServletInputStream() {
            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return in.read(b, off, len);
            }

            @Override
            public boolean isFinished() {
                return in.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
            }
        };
        return (HttpServletRequest) Proxy.newProxyInstance(ServletWebhookCheckMemoryTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getContentLengthLong":
                            return announced;
                        case "getContentLength":
                            return (int) Math.min(announced, Integer.MAX_VALUE);
                        case "getInputStream":
                            return stream;
                        case "getRemoteAddr":
                            return "203.0.113.9";
                        case "getMethod":
                            return "POST";
                        case "getServletPath":
                            return "/hook";
                        case "getHeader":
                            return "X-Hub-Signature-256".equalsIgnoreCase((String) args[0]) ? "sha256=" + "00".repeat(32) : null;
                        default:
                            return null;
                    }
                });
    }

    private static HttpServletResponse response() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) {
                sink.write(b);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
            }
        };
        return (HttpServletResponse) Proxy.newProxyInstance(ServletWebhookCheckMemoryTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class},
                (proxy, method, args) -> method.getName().equals("getOutputStream") ? out : null);
    }
}
