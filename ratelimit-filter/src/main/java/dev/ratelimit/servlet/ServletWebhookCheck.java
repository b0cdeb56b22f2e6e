package dev.ratelimit.servlet;

import java.io.IOException;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import dev.ratelimit.core.webhook.WebhookBody;
import dev.ratelimit.core.webhook.WebhookGate;
import dev.ratelimit.core.webhook.WebhookOutcome;

/**
 * The Servlet side of webhook verification. Refuses at once an address this instance already knows to
 * be over its bad-signature limit; else buffers the body once (refusing one over
 * {@code webhook-max-body} without reading it all, and holding only the bytes that really arrived), lets
 * the core {@link WebhookGate} check it, and either answers the rejection or hands on a request that
 * serves the same bytes.
 */
final class ServletWebhookCheck {

    private final WebhookGate gate;
    private final long maxBodyBytes;

    ServletWebhookCheck(WebhookGate gate) {
        this.gate = gate;
        this.maxBodyBytes = gate.settings().maxBodyBytes();
    }

    /** @return the accepted delivery, its body buffered; null when this check has already answered */
    Delivery admit(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ServletRequestView view = new ServletRequestView(request);
        WebhookOutcome outcome = gate.precheck(view);
        byte[] body = null;
        if (outcome.isAccepted()) {
            body = request.getContentLengthLong() > maxBodyBytes ? null
                    : WebhookBody.readAtMost(request.getInputStream(), maxBodyBytes);
            outcome = body == null ? gate.tooLarge(view) : gate.check(view, body);
        }
        if (!outcome.isAccepted()) {
            AnswerWriter.write(response, outcome.answer());
            return null;
        }
        return new Delivery(new BufferedBodyRequest(request, body), outcome);
    }

    /** Lets the sender retry a delivery the application failed: its signature is no longer a replay. */
    void forget(Delivery delivery) {
        gate.forget(delivery.outcome);
    }

    /** An accepted webhook request: what to pass down the chain, and what the gate remembered of it. */
    static final class Delivery {
        private final HttpServletRequest request;
        private final WebhookOutcome outcome;

        private Delivery(HttpServletRequest request, WebhookOutcome outcome) {
            this.request = request;
            this.outcome = outcome;
        }

        /** The request serving the buffered body. */
        HttpServletRequest request() {
            return request;
        }
    }
}
