package dev.ratelimit.core;

import java.util.Collections;
import java.util.List;

/**
 * The few facts of a request the engine may use. Adapters implement it over their container's
 * request; nothing else of the container reaches the core.
 */
public interface RequestView {

    /** The peer address of the connection (the container's remote address). */
    String remoteAddress();

    /** The HTTP method, e.g. {@code GET}. */
    String method();

    /** The route: the path inside the application (Servlet) or the resource template (JAX-RS). */
    String route();

    /** The first value of a request header, or null. */
    String header(String name);

    /**
     * Every line of a request header, in the order received (empty when absent). Read together they are
     * the header's value, as if joined with {@code ", "} (RFC 9110 section 5.3). The default knows only the
     * first line; adapters over a container return them all.
     */
    default List<String> headers(String name) {
        String first = header(name);
        return first == null ? Collections.<String>emptyList() : Collections.singletonList(first);
    }

    /** The authenticated user's name, or null when anonymous. */
    String user();

    /** A request attribute set by the application (e.g. {@code dev.ratelimit.tenant}), or null. */
    Object attribute(String name);
}
