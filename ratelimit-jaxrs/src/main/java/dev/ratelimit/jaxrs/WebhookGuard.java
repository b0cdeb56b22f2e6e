package dev.ratelimit.jaxrs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.core.HttpHeaders;

import dev.ratelimit.core.RequestView;
import dev.ratelimit.core.webhook.WebhookGate;
import dev.ratelimit.core.webhook.WebhookOutcome;

/**
 * The JAX-RS side of webhook verification: reads the body once, at most {@code webhook-max-body} (a
 * larger {@code Content-Length} is refused before reading anything), lets the core {@link WebhookGate}
 * check it, and puts the same bytes back as the entity stream, so the resource method still reads them
 * (String, byte[], InputStream, {@code @FormParam}).
 */
final class WebhookGuard {

    private static final int CHUNK = 8192;

    private final WebhookGate gate;
    private final long maxBodyBytes;

    WebhookGuard(WebhookGate gate) {
        this.gate = gate;
        this.maxBodyBytes = gate.settings().maxBodyBytes();
    }

    /** @return the gate's outcome; when accepted, the request's entity stream serves the body again */
    WebhookOutcome admit(ContainerRequestContext request, RequestView view) throws IOException {
        byte[] body = declaredLength(request) > maxBodyBytes ? null : readAtMost(request.getEntityStream());
        if (body == null) {
            return gate.tooLarge(view);
        }
        WebhookOutcome outcome = gate.check(view, body);
        if (outcome.isAccepted()) {
            request.setEntityStream(new ByteArrayInputStream(body));
        }
        return outcome;
    }

    /** The Content-Length as sent (a long: {@code getLength()} is an int), or -1. */
    private static long declaredLength(ContainerRequestContext request) {
        String value = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** @return the whole stream, or null as soon as it holds more than the limit */
    private byte[] readAtMost(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (in == null) {
            return body.toByteArray();
        }
        byte[] chunk = new byte[CHUNK];
        long room = maxBodyBytes;
        for (int n = in.read(chunk); n != -1; n = in.read(chunk)) {
            if (n > room) {
                return null;
            }
            room -= n;
            body.write(chunk, 0, n);
        }
        return body.toByteArray();
    }
}
