package dev.ratelimit.core.webhook;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a webhook check decided: go on to the limiter, or answer now with this status, headers and JSON body. */
public final class WebhookOutcome {

    private static final WebhookOutcome ACCEPTED = new WebhookOutcome(null, 0, null, Collections.emptyMap());

    private final Rejection rejection;
    private final int status;
    private final String body;
    private final Map<String, String> headers;

    private WebhookOutcome(Rejection rejection, int status, String body, Map<String, String> headers) {
        this.rejection = rejection;
        this.status = status;
        this.body = body;
        this.headers = headers;
    }

    static WebhookOutcome accepted() {
        return ACCEPTED;
    }

    static WebhookOutcome rejected(Rejection rejection, int status, String body, Map<String, String> headers) {
        return new WebhookOutcome(rejection, status, body, Collections.unmodifiableMap(new LinkedHashMap<>(headers)));
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

    @Override
    public String toString() {
        return isAccepted() ? "accepted" : "rejected " + status + " " + rejection;
    }
}
