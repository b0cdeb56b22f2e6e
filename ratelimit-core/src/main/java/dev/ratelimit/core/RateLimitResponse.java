package dev.ratelimit.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a {@link Decision}, or a webhook's refusal, into what the client sees, for every adapter alike:
 * one {@link Answer} with the headers, the status and the JSON body of a refusal.
 */
public final class RateLimitResponse {

    /** Over the limit. */
    public static final int TOO_MANY_REQUESTS = 429;
    /** The store was unavailable and the failure mode is {@code closed}. */
    public static final int SERVICE_UNAVAILABLE = 503;

    /** An address or identity an operator blocked. */
    public static final int FORBIDDEN = 403;
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
     * The headers of the decision; when it blocks, also its status and body.
     */
    public static Answer answer(Decision decision) {
        Map<String, String> headers = headers(decision);
        return decision.blocks() ? Answer.refuse(status(decision), headers, body(decision)) : Answer.goOn(headers);
    }

    /**
     * The answer to a concurrency permit: {@code X-RateLimit-Limit} and {@code -Remaining} (permits left)
     * when a store decided; a denial is 429 with {@code Retry-After: 1} and code
     * {@code CONCURRENCY_LIMIT_EXCEEDED}, or the policy's closed-status when the store was down.
     */
    public static Answer answer(PermitDecision decision, Policy policy) {
        Map<String, String> headers = new LinkedHashMap<>(4);
        if (decision.source() != DecisionSource.BYPASS) {
            headers.put("X-RateLimit-Limit", Long.toString(decision.limit()));
            headers.put("X-RateLimit-Remaining", Long.toString(decision.remaining()));
        }
        if (decision.granted()) {
            return Answer.goOn(headers);
        }
        headers.put("Retry-After", "1");
        if (decision.source() == DecisionSource.BYPASS) {
            return Answer.refuse(policy.closedStatus(), headers, "{\"error\":{\"code\":\"RATE_LIMITER_UNAVAILABLE\",\"message\":"
                    + "\"Service temporarily unavailable. Please try again later.\",\"retryAfter\":1}}");
        }
        return Answer.refuse(TOO_MANY_REQUESTS, headers, "{\"error\":{\"code\":\"CONCURRENCY_LIMIT_EXCEEDED\",\"message\":"
                + "\"Too many requests in progress. Please try again later.\",\"retryAfter\":1}}");
    }

    /** A request from a denied address or a blocked identity: 403, code {@code ACCESS_DENIED}, no limit headers. */
    public static Answer accessDenied() {
        return Answer.refuse(FORBIDDEN, Collections.<String, String>emptyMap(),
                error("ACCESS_DENIED", "Access denied."));
    }

    /** A webhook refused for its signature (which check failed goes to the audit log only): 401. */
    public static Answer invalidSignature() {
        return Answer.refuse(UNAUTHORIZED, Collections.<String, String>emptyMap(),
                error("INVALID_SIGNATURE", "The webhook signature is missing or invalid."));
    }

    /** A webhook refused as a copy of one already received: 409. */
    public static Answer replayedWebhook() {
        return Answer.refuse(CONFLICT, Collections.<String, String>emptyMap(),
                error("REPLAYED_WEBHOOK", "This webhook was already received."));
    }

    /** A webhook refused for its size: 413. */
    public static Answer payloadTooLarge(long maxBytes) {
        return Answer.refuse(PAYLOAD_TOO_LARGE, Collections.<String, String>emptyMap(),
                error("PAYLOAD_TOO_LARGE", "The webhook body is larger than " + maxBytes + " bytes."));
    }

    /**
     * An address over its bad-signature limit: 429 and the denial's body, with {@code Retry-After} only
     * (the numbers of that limit are not the sender's quota).
     */
    public static Answer tooManyBadSignatures(Decision denial) {
        return Answer.refuse(TOO_MANY_REQUESTS, Collections.singletonMap("Retry-After",
                Long.toString(retryAfterSeconds(denial))), body(denial));
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

    /**
     * 429, or the closed-status of the policy that decided (503 by default) when the store was down and
     * the policy fails closed.
     */
    public static int status(Decision decision) {
        if (decision.source() != DecisionSource.BYPASS) {
            return TOO_MANY_REQUESTS;
        }
        return decision.policy() == null ? SERVICE_UNAVAILABLE : decision.policy().closedStatus();
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
