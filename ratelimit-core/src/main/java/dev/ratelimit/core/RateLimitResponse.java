package dev.ratelimit.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a {@link Decision} into what the client sees, for every adapter alike: the headers, the status
 * and the JSON body of a denial.
 */
public final class RateLimitResponse {

    /** Over the limit. */
    public static final int TOO_MANY_REQUESTS = 429;
    /** The store was unavailable and the failure mode is {@code closed}. */
    public static final int SERVICE_UNAVAILABLE = 503;

    /** A webhook whose signature is missing or wrong. */
    public static final int UNAUTHORIZED = 401;
    /** A webhook already received. */
    public static final int CONFLICT = 409;
    /** A webhook body over its size limit. */
    public static final int PAYLOAD_TOO_LARGE = 413;

    public static final String CONTENT_TYPE = "application/json";

    private RateLimitResponse() {
    }

    /**
     * {@code X-RateLimit-Limit}, {@code -Remaining}, {@code -Reset} (epoch seconds) when a store decided,
     * and {@code Retry-After} (whole seconds, at least 1) on denials. In insertion order.
     */
    public static Map<String, String> headers(Decision decision) {
        Map<String, String> headers = new LinkedHashMap<>(8);
        if (decision.source() != DecisionSource.BYPASS) {
            headers.put("X-RateLimit-Limit", Long.toString(decision.limit()));
            headers.put("X-RateLimit-Remaining", Long.toString(decision.remaining()));
            headers.put("X-RateLimit-Reset", Long.toString(ceilDiv(decision.resetAtMillis(), 1000)));
        }
        if (!decision.allowed()) {
            headers.put("Retry-After", Long.toString(retryAfterSeconds(decision)));
        }
        return headers;
    }

    /** 429, or the policy's closed-status (503 by default) when the store was down and the policy fails closed. */
    public static int status(Decision decision, Policy policy) {
        return decision.source() == DecisionSource.BYPASS ? policy.closedStatus() : TOO_MANY_REQUESTS;
    }

    /** The JSON body of a denial. */
    public static String body(Decision decision) {
        long retryAfter = retryAfterSeconds(decision);
        if (decision.source() == DecisionSource.BYPASS) {
            return "{\"error\":{\"code\":\"RATE_LIMITER_UNAVAILABLE\",\"message\":"
                    + "\"Service temporarily unavailable. Please try again later.\",\"retryAfter\":" + retryAfter + "}}";
        }
        return "{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\",\"message\":"
                + "\"Too many requests. Please try again later.\",\"retryAfter\":" + retryAfter + "}}";
    }

    /** The JSON body of a webhook refused for its signature (which check failed goes to the audit log only). */
    public static String invalidSignatureBody() {
        return error("INVALID_SIGNATURE", "The webhook signature is missing or invalid.");
    }

    /** The JSON body of a webhook refused as a copy of one already received. */
    public static String replayedWebhookBody() {
        return error("REPLAYED_WEBHOOK", "This webhook was already received.");
    }

    /** The JSON body of a webhook refused for its size. */
    public static String payloadTooLargeBody(long maxBytes) {
        return error("PAYLOAD_TOO_LARGE", "The webhook body is larger than " + maxBytes + " bytes.");
    }

    private static String error(String code, String message) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
    }

    static long retryAfterSeconds(Decision decision) {
        return Math.max(1, ceilDiv(decision.retryAfterMillis(), 1000));
    }

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }
}
