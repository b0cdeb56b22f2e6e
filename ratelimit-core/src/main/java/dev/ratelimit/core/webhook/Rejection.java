package dev.ratelimit.core.webhook;

import java.util.Locale;

/** Why a webhook request was turned away; its name in the audit log is the lower-case, hyphenated form. */
public enum Rejection {

    /** No signature header (or, for a timestamped scheme, no timestamp). */
    MISSING_SIGNATURE,
    /** The header is not in the scheme's format. */
    MALFORMED_SIGNATURE,
    /** No secret produces the signature given: tampered body, wrong secret, forgery. */
    SIGNATURE_MISMATCH,
    /** Correctly signed, but the signed timestamp is outside the tolerance. */
    STALE_TIMESTAMP,
    /** Bad signatures from this address are over their own limit. */
    BAD_SIGNATURE_LIMIT,
    /** The same signed request was already accepted within the tolerance window. */
    REPLAYED,
    /** The body is larger than {@code webhook-max-body}. */
    BODY_TOO_LARGE,
    /** The replay check could not reach the store and the failure mode is closed. */
    STORE_UNAVAILABLE;

    /** Whether the request failed verification itself (and so counts against the bad-signature limit). */
    boolean isBadSignature() {
        return this == MISSING_SIGNATURE || this == MALFORMED_SIGNATURE || this == SIGNATURE_MISMATCH
                || this == STALE_TIMESTAMP;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
