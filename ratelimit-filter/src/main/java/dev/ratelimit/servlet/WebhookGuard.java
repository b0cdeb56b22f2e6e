package dev.ratelimit.servlet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimitResponse;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.SharedStores;
import dev.ratelimit.core.webhook.WebhookGate;
import dev.ratelimit.core.webhook.WebhookOutcome;
import dev.ratelimit.core.webhook.WebhookSettings;

/**
 * The Servlet side of webhook verification: buffers the body once (refusing one over
 * {@code webhook-max-body} without reading it all), lets the core {@link WebhookGate} check it, and
 * either answers the rejection or hands on a request that serves the same bytes.
 */
final class WebhookGuard {

    private final WebhookGate gate;
    private final long maxBodyBytes;

    WebhookGuard(WebhookSettings settings, Policy policy, RateLimitStore store, SharedStores shared) {
        this.gate = new WebhookGate(settings, policy, store, shared.replayMemory(policy.name()), shared.audit(),
                shared.metrics().policy(policy.name()));
        this.maxBodyBytes = settings.maxBodyBytes();
    }

    /** @return the request to pass on, its body buffered; null when this guard has already answered */
    HttpServletRequest admit(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ServletRequestView view = new ServletRequestView(request);
        byte[] body = request.getContentLengthLong() > maxBodyBytes ? null : read(request);
        WebhookOutcome outcome = body == null ? gate.tooLarge(view) : gate.check(view, body);
        if (!outcome.isAccepted()) {
            reject(response, outcome);
            return null;
        }
        return new BufferedBodyRequest(request, body);
    }

    /** @return the body, or null as soon as it proves longer than the limit */
    private byte[] read(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
        byte[] buffer = new byte[8192];
        InputStream in = request.getInputStream();
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            total += n;
            if (total > maxBodyBytes) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static void reject(HttpServletResponse response, WebhookOutcome outcome) throws IOException {
        // setStatus, not sendError: the container's error page must not replace our JSON body.
        response.setStatus(outcome.status());
        for (Map.Entry<String, String> header : outcome.headers().entrySet()) {
            response.setHeader(header.getKey(), header.getValue());
        }
        response.setContentType(RateLimitResponse.CONTENT_TYPE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        byte[] body = outcome.body().getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
