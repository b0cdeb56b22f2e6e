package dev.ratelimit.bench;

import dev.ratelimit.core.RequestView;

/** A GET from one client address, as an adapter would present it; no headers, no user. */
final class BenchRequest implements RequestView {

    private final String address;

    BenchRequest(String address) {
        this.address = address;
    }

    @Override
    public String remoteAddress() {
        return address;
    }

    @Override
    public String method() {
        return "GET";
    }

    @Override
    public String route() {
        return "/api/orders";
    }

    @Override
    public String header(String name) {
        return null;
    }

    @Override
    public String user() {
        return null;
    }

    @Override
    public Object attribute(String name) {
        return null;
    }
}
