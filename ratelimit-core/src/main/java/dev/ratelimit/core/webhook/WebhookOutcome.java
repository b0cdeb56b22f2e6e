package dev.ratelimit.core.webhook;

import dev.ratelimit.core.Answer;

/**
 * What a webhook check decided: go on to the limiter, or answer now with this {@link Answer}. An accepted delivery carries the key its signature is remembered under, so that
 * {@link WebhookGate#forget} can let the sender retry it when the application fails it.
 */
public final class WebhookOutcome {

    private static final WebhookOutcome ACCEPTED = new WebhookOutcome(null, null, null);

    private final Rejection rejection;
    private final Answer answer;
    private final String replayKey;

    private WebhookOutcome(Rejection rejection, Answer answer, String replayKey) {
        this.rejection = rejection;
        this.answer = answer;
        this.replayKey = replayKey;
    }

    /** Accepted without remembering anything (replay protection off, or not checked yet). */
    static WebhookOutcome accepted() {
        return ACCEPTED;
    }

    /** Accepted, its signature remembered under {@code replayKey}. */
    static WebhookOutcome accepted(String replayKey) {
        return new WebhookOutcome(null, null, replayKey);
    }

    static WebhookOutcome rejected(Rejection rejection, Answer answer) {
        return new WebhookOutcome(rejection, answer, null);
    }

    public boolean isAccepted() {
        return rejection == null;
    }

    /** Why it was rejected; null when accepted. */
    public Rejection rejection() {
        return rejection;
    }

    /** What to answer the rejected request with; null when accepted. */
    public Answer answer() {
        return answer;
    }

    /** The key an accepted delivery's signature is remembered under; null when nothing was remembered. */
    String replayKey() {
        return replayKey;
    }

    @Override
    public String toString() {
        return isAccepted() ? "accepted" : "rejected " + answer.status() + " " + rejection;
    }
}
