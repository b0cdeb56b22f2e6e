package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** One ingredient of a rate-limit key, as written in the {@code key} parameter. */
public final class KeyPart {

    public enum Kind { IP, USER, HEADER, TENANT, ROUTE, METHOD }

    public static final String ACCEPTED = "comma-separated parts from: ip, user, header:NAME, tenant, route, method"
            + " (each at most once), e.g. 'ip' or 'user,route'";

    private final Kind kind;
    private final String headerName;

    private KeyPart(Kind kind, String headerName) {
        this.kind = kind;
        this.headerName = headerName;
    }

    public static List<KeyPart> parseAll(String parameter, String text) {
        if (text == null || text.trim().isEmpty()) {
            throw new ConfigurationException(parameter, text, ACCEPTED);
        }
        List<KeyPart> parts = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String raw : text.split(",", -1)) {
            String token = raw.trim();
            KeyPart part = parseOne(token);
            if (part == null || seen.contains(part.toString())) {
                throw new ConfigurationException(parameter, text, ACCEPTED);
            }
            seen.add(part.toString());
            parts.add(part);
        }
        return Collections.unmodifiableList(parts);
    }

    private static KeyPart parseOne(String token) {
        String lower = token.toLowerCase(Locale.ROOT);
        if (lower.startsWith("header:")) {
            String name = token.substring("header:".length()).trim();
            return name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+") ? new KeyPart(Kind.HEADER, name) : null;
        }
        for (Kind kind : Kind.values()) {
            if (kind != Kind.HEADER && kind.name().toLowerCase(Locale.ROOT).equals(lower)) {
                return new KeyPart(kind, null);
            }
        }
        return null;
    }

    public Kind kind() {
        return kind;
    }

    /** The header's name for {@link Kind#HEADER}, else null. */
    public String headerName() {
        return headerName;
    }

    @Override
    public String toString() {
        return kind == Kind.HEADER ? "header:" + headerName.toLowerCase(Locale.ROOT) : kind.name().toLowerCase(Locale.ROOT);
    }
}
