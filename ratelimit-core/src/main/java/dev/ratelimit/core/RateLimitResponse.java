package dev.ratelimit.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a {@link Decision}, or a webhook's refusal, into what the client sees, for every adapter alike:
 * one {@link Answer} with the headers, the status and the body of a refusal. The policy decides the
 * format: its {@link HeaderFormat} (parameter {@code headers}) and its {@link ErrorFormat} (parameter
 * {@code error-format}); without a policy, the defaults ({@code legacy}, {@code json}).
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

    /** The content type of the {@code json} error format. */
    public static final String CONTENT_TYPE = "application/json";
    /** The content type of the {@code problem} error format (RFC 9457). */
    public static final String PROBLEM_CONTENT_TYPE = "application/problem+json";

    private static final String RETRY_AFTER = "Retry-After";
    /** A concurrency permit frees when some request ends: try again in a second. */
    private static final long PERMIT_RETRY_SECONDS = 1;

    private static final int CACHED_NUMBERS = 1024;
    private static final String[] SMALL_NUMBERS = new String[CACHED_NUMBERS];

    static {
        for (int i = 0; i < CACHED_NUMBERS; i++) {
            SMALL_NUMBERS[i] = Integer.toString(i);
        }
    }

    private RateLimitResponse() {
    }

    /**
     * The headers of the decision; when it blocks, also its status and body.
     */
    public static Answer answer(Decision decision) {
        Map<String, String> headers = headers(decision);
        return decision.blocks()
                ? Answer.refuse(status(decision), headers, body(decision), errorFormat(decision.policy()).contentType())
                : Answer.goOn(headers);
    }

    /**
     * The answer to a concurrency permit: the limit and the permits left when a store decided
     * ({@code X-RateLimit-Limit} and {@code -Remaining}, or {@code RateLimit-Policy} and {@code RateLimit});
     * a denial is 429 with {@code Retry-After: 1} and code {@code CONCURRENCY_LIMIT_EXCEEDED}, or the
     * policy's closed-status when the store was down.
     */
    public static Answer answer(PermitDecision decision, Policy policy) {
        Map<String, String> headers = new LinkedHashMap<>(4);
        HeaderFormat format = policy.headerFormat();
        if (decision.source() != DecisionSource.BYPASS) {
            if (format.legacy()) {
                headers.put("X-RateLimit-Limit", Long.toString(decision.limit()));
                headers.put("X-RateLimit-Remaining", Long.toString(decision.remaining()));
            }
            if (format.ietf()) {
                IetfRateLimitFields.put(headers, decision, policy);
            }
        }
        if (decision.granted()) {
            return Answer.goOn(headers);
        }
        headers.put(RETRY_AFTER, Long.toString(PERMIT_RETRY_SECONDS));
        if (decision.source() == DecisionSource.BYPASS) {
            return refuse(policy, policy.closedStatus(), headers, ErrorCode.RATE_LIMITER_UNAVAILABLE, PERMIT_RETRY_SECONDS);
        }
        return refuse(policy, TOO_MANY_REQUESTS, headers, ErrorCode.CONCURRENCY_LIMIT_EXCEEDED, PERMIT_RETRY_SECONDS);
    }

    /** A request from a denied address or a blocked identity: 403, code {@code ACCESS_DENIED}, no limit headers. */
    public static Answer accessDenied() {
        return accessDenied(null);
    }

    /** As {@link #accessDenied()}, in the format of {@code policy} (null: the defaults). */
    public static Answer accessDenied(Policy policy) {
        return refuse(policy, FORBIDDEN, Collections.<String, String>emptyMap(), ErrorCode.ACCESS_DENIED,
                ErrorBody.NO_RETRY);
    }

    /** A webhook refused for its signature (which check failed goes to the audit log only): 401. */
    public static Answer invalidSignature() {
        return invalidSignature(null);
    }

    /** As {@link #invalidSignature()}, in the format of the webhook's {@code policy}. */
    public static Answer invalidSignature(Policy policy) {
        return refuse(policy, UNAUTHORIZED, Collections.<String, String>emptyMap(), ErrorCode.INVALID_SIGNATURE,
                ErrorBody.NO_RETRY);
    }

    /** A webhook refused as a copy of one already received: 409. */
    public static Answer replayedWebhook() {
        return replayedWebhook(null);
    }

    /** As {@link #replayedWebhook()}, in the format of the webhook's {@code policy}. */
    public static Answer replayedWebhook(Policy policy) {
        return refuse(policy, CONFLICT, Collections.<String, String>emptyMap(), ErrorCode.REPLAYED_WEBHOOK,
                ErrorBody.NO_RETRY);
    }

    /** A webhook refused for its size: 413. */
    public static Answer payloadTooLarge(long maxBytes) {
        return payloadTooLarge(maxBytes, null);
    }

    /** As {@link #payloadTooLarge(long)}, in the format of the webhook's {@code policy}. */
    public static Answer payloadTooLarge(long maxBytes, Policy policy) {
        ErrorFormat format = errorFormat(policy);
        String body = ErrorBody.render(format, ErrorCode.PAYLOAD_TOO_LARGE, PAYLOAD_TOO_LARGE,
                "The webhook body is larger than " + maxBytes + " bytes.", ErrorBody.NO_RETRY, nameOf(policy));
        return Answer.refuse(PAYLOAD_TOO_LARGE, Collections.<String, String>emptyMap(), body, format.contentType());
    }

    /**
     * An address over its bad-signature limit: 429 and the denial's body, with {@code Retry-After} only
     * (the numbers of that limit are not the sender's quota).
     */
    public static Answer tooManyBadSignatures(Decision denial) {
        return tooManyBadSignatures(denial, null);
    }

    /**
     * As {@link #tooManyBadSignatures(Decision)}, in the format of the webhook's {@code policy}; the body
     * names the bad-signature policy that denied.
     */
    public static Answer tooManyBadSignatures(Decision denial, Policy policy) {
        long retryAfter = retryAfterSeconds(denial);
        ErrorFormat format = errorFormat(policy);
        String name = denial.policy() != null ? denial.policy().name() : nameOf(policy);
        String body = ErrorBody.render(format, ErrorCode.RATE_LIMIT_EXCEEDED, TOO_MANY_REQUESTS,
                ErrorCode.RATE_LIMIT_EXCEEDED.message(), retryAfter, name);
        return Answer.refuse(TOO_MANY_REQUESTS, Collections.singletonMap(RETRY_AFTER, Long.toString(retryAfter)),
                body, format.contentType());
    }

    /**
     * The rate-limit fields of the decision's {@link HeaderFormat} when a store decided: {@code legacy}
     * {@code X-RateLimit-Limit}, {@code -Remaining}, {@code -Reset} (epoch seconds); {@code ietf}
     * {@code RateLimit-Policy} and {@code RateLimit} ({@link IetfRateLimitFields}); and {@code Retry-After}
     * (whole seconds, at least 1) on denials, whatever the format. In insertion order.
     */
    public static Map<String, String> headers(Decision decision) {
        Map<String, String> headers = new LinkedHashMap<>(8);
        Policy policy = decision.policy();
        HeaderFormat format = policy == null ? HeaderFormat.LEGACY : policy.headerFormat();
        long retryAfter = retryAfterSeconds(decision);
        if (decision.source() != DecisionSource.BYPASS) {
            if (format.legacy()) {
                headers.put("X-RateLimit-Limit", number(decision.limit()));
                headers.put("X-RateLimit-Remaining", number(decision.remaining()));
                headers.put("X-RateLimit-Reset", Long.toString(ceilDiv(decision.resetAtMillis(), 1000)));
            }
            if (format.ietf()) {
                IetfRateLimitFields.put(headers, decision, policy, retryAfter);
            }
        }
        if (!decision.allowed()) {
            headers.put(RETRY_AFTER, number(retryAfter));
        }
        return headers;
    }

    /** The decimal text of a header value; those below {@value #CACHED_NUMBERS} (most limits, remainders, waits) made once. */
    static String number(long value) {
        return value >= 0 && value < CACHED_NUMBERS ? SMALL_NUMBERS[(int) value] : Long.toString(value);
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

    /** The body of a denial, in the error format of the decision's policy. */
    public static String body(Decision decision) {
        ErrorCode code = decision.source() == DecisionSource.BYPASS
                ? ErrorCode.RATE_LIMITER_UNAVAILABLE : ErrorCode.RATE_LIMIT_EXCEEDED;
        return ErrorBody.render(errorFormat(decision.policy()), code, status(decision), code.message(),
                retryAfterSeconds(decision), nameOf(decision.policy()));
    }

    private static Answer refuse(Policy policy, int status, Map<String, String> headers, ErrorCode code,
                                 long retryAfterSeconds) {
        ErrorFormat format = errorFormat(policy);
        String body = ErrorBody.render(format, code, status, code.message(), retryAfterSeconds, nameOf(policy));
        return Answer.refuse(status, headers, body, format.contentType());
    }

    private static ErrorFormat errorFormat(Policy policy) {
        return policy == null ? ErrorFormat.JSON : policy.errorFormat();
    }

    private static String nameOf(Policy policy) {
        return policy == null ? null : policy.name();
    }

    static long retryAfterSeconds(Decision decision) {
        return Math.max(1, ceilDiv(decision.retryAfterMillis(), 1000));
    }

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }
}
