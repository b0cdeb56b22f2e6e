package dev.ratelimit.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the client is told about one request, built by {@link RateLimitResponse} and written by each
 * adapter in one place: the headers, and, when the request is refused, the status and the JSON body
 * (content type {@value RateLimitResponse#CONTENT_TYPE}).
 */
public final class Answer {

    private static final Answer GO_ON = new Answer(0, Collections.<String, String>emptyMap(), null);

    private final int status;
    private final Map<String, String> headers;
    private final String body;

    private Answer(int status, Map<String, String> headers, String body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** The request goes on to the application, with these headers on its response. */
    static Answer goOn(Map<String, String> headers) {
        return headers.isEmpty() ? GO_ON : new Answer(0, copy(headers), null);
    }

    /** The request is answered now, the application never sees it. */
    static Answer refuse(int status, Map<String, String> headers, String body) {
        return new Answer(status, copy(headers), body);
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

    /** The JSON body of a refusal; null when the request goes on. */
    public String body() {
        return body;
    }

    private static Map<String, String> copy(Map<String, String> headers) {
        return headers.isEmpty() ? Collections.<String, String>emptyMap()
                : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    @Override
    public String toString() {
        return (refuses() ? "refuse " + status : "go on") + " " + headers;
    }
}
