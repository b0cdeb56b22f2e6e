package dev.ratelimit.core;

import java.util.List;

/** The header in which trusted proxies name the client: param {@code client-address-header}. */
public enum ClientAddressHeader {

    /** {@code X-Forwarded-For: client, proxy1, proxy2}: comma-separated addresses, every line read. */
    X_FORWARDED_FOR("X-Forwarded-For") {
        @Override
        void addNodes(String line, List<String> nodes) {
            for (String hop : line.split(",")) {
                String trimmed = hop.trim();
                if (!trimmed.isEmpty()) {
                    nodes.add(trimmed);
                }
            }
        }
    },

    /** RFC 7239 {@code Forwarded: for=client;proto=https, for="[2001:db8::1]:443"}: the {@code for} of each element. */
    FORWARDED("Forwarded") {
        @Override
        void addNodes(String line, List<String> nodes) {
            ForwardedHeader.addForNodes(line, nodes);
        }
    };

    public static final String ACCEPTED = "'X-Forwarded-For' or 'Forwarded' (any case)";

    private final String headerName;

    ClientAddressHeader(String headerName) {
        this.headerName = headerName;
    }

    public static ClientAddressHeader parse(String parameter, String value) {
        for (ClientAddressHeader header : values()) {
            if (value != null && header.headerName.equalsIgnoreCase(value.trim())) {
                return header;
            }
        }
        throw new ConfigurationException(parameter, value, ACCEPTED);
    }

    /** The HTTP header's name. */
    public String headerName() {
        return headerName;
    }

    /** Appends the client nodes one header line names, left to right; empty list elements are skipped. */
    abstract void addNodes(String line, List<String> nodes);

    @Override
    public String toString() {
        return headerName;
    }
}
