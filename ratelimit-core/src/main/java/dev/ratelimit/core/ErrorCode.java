package dev.ratelimit.core;

import java.util.Locale;

/**
 * Every reason a request is refused, as the {@code code} of a JSON body and, in RFC 9457 problem details,
 * as the {@code type} URI {@value #PROBLEM_TYPE_BASE}{@code <code in kebab case>} (documented in
 * {@code src/docs/responses.md}) with its fixed {@code title}.
 */
public enum ErrorCode {

    RATE_LIMIT_EXCEEDED("Rate limit exceeded", "Too many requests. Please try again later."),
    CONCURRENCY_LIMIT_EXCEEDED("Concurrency limit exceeded", "Too many requests in progress. Please try again later."),
    RATE_LIMITER_UNAVAILABLE("Rate limiter unavailable", "Service temporarily unavailable. Please try again later."),
    INVALID_SIGNATURE("Invalid webhook signature", "The webhook signature is missing or invalid."),
    REPLAYED_WEBHOOK("Webhook already received", "This webhook was already received."),
    PAYLOAD_TOO_LARGE("Webhook body too large", "The webhook body is too large."),
    ACCESS_DENIED("Access denied", "Access denied.");

    /**
     * Where every problem type lives: under the domain the Maven group {@code dev.ratelimit} is registered
     * for, so no one else can mint these URIs. RFC 9457 lets a type URI stand as a name; clients compare it,
     * they need not fetch it.
     */
    public static final String PROBLEM_TYPE_BASE = "https://ratelimit.dev/problems/";

    private final String title;
    private final String message;

    ErrorCode(String title, String message) {
        this.title = title;
        this.message = message;
    }

    /** The problem's {@code title}: the same for every occurrence of this code. */
    public String title() {
        return title;
    }

    /** What the client is told when nothing more specific applies. */
    public String message() {
        return message;
    }

    /** The stable RFC 9457 {@code type} URI, e.g. {@code https://ratelimit.dev/problems/rate-limit-exceeded}. */
    public String problemType() {
        return PROBLEM_TYPE_BASE + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
