package dev.ratelimit.core.webhook;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a webhook check decided: go on to the limiter, or answer now with this status, headers and JSON
 * body. An accepted delivery carries the key its signature is remembered under, so that
 * {@link WebhookGate#forget} can let the sender retry it when the application fails it.
 */
public final class WebhookOutcome {

    private static final WebhookOutcome ACCEPTED = new WebhookOutcome(null, 0, null, Collections.emptyMap(), null);

    private final Rejection rejection;
    private final int status;
    private final String body;
    private final Map<String, String> headers;
    private final String replayKey;

    private WebhookOutcome(Rejection rejection, int status, String body, Map<String, String> headers, String replayKey) {
        this.rejection = rejection;
        this.status = status;
        this.body = body;
        this.headers = headers;
        this.replayKey = replayKey;
    }

    /** Accepted without remembering anything (replay protection off, or not checked yet). */
    static WebhookOutcome accepted() {
        return ACCEPTED;
    }

    /** Accepted, its signature remembered under {@code replayKey}. */
    static WebhookOutcome accepted(String replayKey) {
        return new WebhookOutcome(null, 0, null, Collections.<String, String>emptyMap(), replayKey);
    }

    static WebhookOutcome rejected(Rejection rejection, int status, String body, Map<String, String> headers) {
        return new WebhookOutcome(rejection, status, body, Collections.unmodifiableMap(new LinkedHashMap<>(headers)), null);
    }

    public boolean isAccepted() {
        return rejection == null;
    }

    /** Why it was rejected; null when accepted. */
    public Rejection rejection() {
        return rejection;
    }

    public int status() {
        return status;
    }

    /** The JSON body of the rejection (content type {@code application/json}). */
    public String body() {
        return body;
    }

    /** Headers to send with the rejection, e.g. {@code Retry-After}. */
    public Map<String, String> headers() {
        return headers;
    }

    /** The key an accepted delivery's signature is remembered under; null when nothing was remembered. */
    String replayKey() {
        return replayKey;
    }

    @Override
    public String toString() {
        return isAccepted() ? "accepted" : "rejected " + status + " " + rejection;
    }
}
