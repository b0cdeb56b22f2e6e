package dev.ratelimit.core;

import java.util.Collections;
import java.util.Map;

/**
 * What the client is told about one request, built by {@link RateLimitResponse} and written by each
 * adapter in one place: the headers, and, when the request is refused, the status, the body and its
 * content type ({@value RateLimitResponse#CONTENT_TYPE} or {@value RateLimitResponse#PROBLEM_CONTENT_TYPE},
 * always UTF-8).
 */
public final class Answer {

    private static final Answer GO_ON = new Answer(0, Collections.<String, String>emptyMap(), null, null);

    private final int status;
    private final Map<String, String> headers;
    private final String body;
    private final String contentType;

    private Answer(int status, Map<String, String> headers, String body, String contentType) {
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.contentType = contentType;
    }

    /** The request goes on to the application, with these headers on its response. */
    static Answer goOn(Map<String, String> headers) {
        return headers.isEmpty() ? GO_ON : new Answer(0, readOnly(headers), null, null);
    }

    /** The request is answered now, the application never sees it. */
    static Answer refuse(int status, Map<String, String> headers, String body, String contentType) {
        return new Answer(status, readOnly(headers), body, contentType);
    }

    /** Whether the adapter answers the request itself, with {@link #status} and {@link #body}. */
    public boolean refuses() {
        return body != null;
    }

    /** The status of a refusal; 0 when the request goes on. */
    public int status() {
        return status;
    }

    /** In the order they are to be written; empty when there are none. */
    public Map<String, String> headers() {
        return headers;
    }

    /** The body of a refusal; null when the request goes on. */
    public String body() {
        return body;
    }

    /** The media type of {@link #body} without charset (the body is UTF-8); null when the request goes on. */
    public String contentType() {
        return contentType;
    }

    /** The caller's map, read-only: {@link RateLimitResponse} builds a new one per answer and keeps no reference. */
    private static Map<String, String> readOnly(Map<String, String> headers) {
        return headers.isEmpty() ? Collections.<String, String>emptyMap() : Collections.unmodifiableMap(headers);
    }

    @Override
    public String toString() {
        return (refuses() ? "refuse " + status : "go on") + " " + headers;
    }
}
