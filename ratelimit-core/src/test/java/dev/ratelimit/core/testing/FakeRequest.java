package dev.ratelimit.core.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.ratelimit.core.RequestView;

/**
 * The one fake request of every module's tests (core's test-jar): anonymous {@code GET /api/orders}
 * from 203.0.113.7 unless told otherwise. Set what a test needs and pass it on; header names ignore case
 * and a header may have several lines, as a container hands them over.
 *
 * <pre>{@code
 * RequestView request = new FakeRequest().address("198.51.100.9").header("X-Forwarded-For", "6.6.6.6", "10.0.0.4");
 * }</pre>
 */
public final class FakeRequest implements RequestView {

    public static final String DEFAULT_ADDRESS = "203.0.113.7";

    private String address = DEFAULT_ADDRESS;
    private String method = "GET";
    private String route = "/api/orders";
    private String user;
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Map<String, Object> attributes = new HashMap<>();

    /** A request from this peer address, otherwise the defaults. */
    public static FakeRequest from(String address) {
        return new FakeRequest().address(address);
    }

    public FakeRequest address(String address) {
        this.address = address;
        return this;
    }

    public FakeRequest method(String method) {
        this.method = method;
        return this;
    }

    public FakeRequest route(String route) {
        this.route = route;
        return this;
    }

    /** The authenticated user; null for anonymous. */
    public FakeRequest user(String user) {
        this.user = user;
        return this;
    }

    /** Adds lines to a header (after any it has). */
    public FakeRequest header(String name, String... lines) {
        headers.computeIfAbsent(name, n -> new ArrayList<>()).addAll(Arrays.asList(lines));
        return this;
    }

    public FakeRequest attribute(String name, Object value) {
        attributes.put(name, value);
        return this;
    }

    @Override
    public String remoteAddress() {
        return address;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String route() {
        return route;
    }

    @Override
    public String header(String name) {
        List<String> lines = headers(name);
        return lines.isEmpty() ? null : lines.get(0);
    }

    @Override
    public List<String> headers(String name) {
        return headers.getOrDefault(name, List.of());
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public Object attribute(String name) {
        return attributes.get(name);
    }

    @Override
    public String toString() {
        return method + " " + route + " from " + address;
    }
}
