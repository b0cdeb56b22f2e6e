package dev.ratelimit.core.webhook;

/**
 * The result of checking one request's signature: valid, with what identifies the signed request for
 * replay protection and how long to remember it, or invalid with the reason.
 */
public final class Verification {

    private final Rejection rejection;
    private final String replayId;
    private final long replayTtlMillis;

    private Verification(Rejection rejection, String replayId, long replayTtlMillis) {
        this.rejection = rejection;
        this.replayId = replayId;
        this.replayTtlMillis = replayTtlMillis;
    }

    static Verification valid(String replayId, long replayTtlMillis) {
        return new Verification(null, replayId, replayTtlMillis);
    }

    static Verification invalid(Rejection rejection) {
        return new Verification(rejection, null, 0);
    }

    public boolean isValid() {
        return rejection == null;
    }

    /** Why it is invalid; null when valid. */
    public Rejection rejection() {
        return rejection;
    }

    /** Hex of the signature under the first secret: the same for every copy of this signed request. */
    public String replayId() {
        return replayId;
    }

    /** How long a replay of this request is refused: the replay window, and at least until its timestamp is stale. */
    public long replayTtlMillis() {
        return replayTtlMillis;
    }

    @Override
    public String toString() {
        return isValid() ? "valid" : "invalid: " + rejection;
    }
}
