package dev.ratelimit.jaxrs;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.core.HttpHeaders;

import dev.ratelimit.core.RequestView;
import dev.ratelimit.core.webhook.WebhookBody;
import dev.ratelimit.core.webhook.WebhookGate;
import dev.ratelimit.core.webhook.WebhookOutcome;

/**
 * The JAX-RS side of webhook verification. Refuses at once an address this instance already knows to be
 * over its bad-signature limit; else reads the body once, at most {@code webhook-max-body} (a larger
 * {@code Content-Length} is refused before reading anything, and the buffer grows only with the bytes
 * that arrive), lets the core {@link WebhookGate} check it, and puts the same bytes back as the entity
 * stream, so the resource method still reads them (String, byte[], InputStream, {@code @FormParam}).
 */
final class JaxrsWebhookCheck {

    private final WebhookGate gate;
    private final long maxBodyBytes;

    JaxrsWebhookCheck(WebhookGate gate) {
        this.gate = gate;
        this.maxBodyBytes = gate.settings().maxBodyBytes();
    }

    /** @return the gate's outcome; when accepted, the request's entity stream serves the body again */
    WebhookOutcome admit(ContainerRequestContext request, RequestView view) throws IOException {
        WebhookOutcome early = gate.precheck(view);
        if (!early.isAccepted()) {
            return early;
        }
        byte[] body = declaredLength(request) > maxBodyBytes ? null
                : WebhookBody.readAtMost(request.getEntityStream(), maxBodyBytes);
        if (body == null) {
            return gate.tooLarge(view);
        }
        WebhookOutcome outcome = gate.check(view, body);
        if (outcome.isAccepted()) {
            request.setEntityStream(new ByteArrayInputStream(body));
        }
        return outcome;
    }

    /** Lets the sender retry an accepted delivery the resource failed: its signature is no longer a replay. */
    void forget(WebhookOutcome accepted) {
        gate.forget(accepted);
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
}
