package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code for} node of each element of one {@code Forwarded} line (RFC 7239 section 4):
 * elements separated by {@code ,}, pairs by {@code ;}, each value a token or a quoted string with
 * {@code \}-escapes. Never throws, whatever the line.
 *
 * <p>A line that is not well formed (a quoted string never closed, or text after a closing quote) is
 * split at every comma instead, quotes or not. That is what keeps a forged start of the line from
 * hiding the element a trusted proxy appended to it: in {@code for="x} + {@code , for="[2001:db8::1]"}
 * a strict reading would swallow the proxy's element into the client's quoted string. A proxy writes
 * addresses, ports and obfuscated names, none of which holds a comma, so its elements split the same
 * either way.
 */
final class ForwardedHeader {

    /** The node of an element that names no client: RFC 7239's own word for an unknown client. */
    static final String UNKNOWN = "unknown";

    private ForwardedHeader() {
    }

    static void addForNodes(String line, List<String> nodes) {
        List<String> strict = strictNodes(line);
        if (strict != null) {
            nodes.addAll(strict);
            return;
        }
        for (String element : line.split(",")) {
            if (!element.trim().isEmpty()) {
                nodes.add(looseForNode(element));
            }
        }
    }

    /** @return the element's nodes, or null when the line is not well formed */
    private static List<String> strictNodes(String line) {
        List<String> nodes = new ArrayList<>();
        int n = line.length();
        int i = 0;
        String forNode = null;
        boolean elementHasPairs = false;
        while (true) {
            i = skipSpace(line, i);
            if (i >= n || line.charAt(i) == ',') {
                if (elementHasPairs) {
                    nodes.add(forNode == null ? UNKNOWN : forNode);
                }
                if (i >= n) {
                    return nodes;
                }
                forNode = null;
                elementHasPairs = false;
                i++;
                continue;
            }
            if (line.charAt(i) == ';') {
                i++;
                continue;
            }
            elementHasPairs = true;
            int nameStart = i;
            while (i < n && line.charAt(i) != '=' && line.charAt(i) != ';' && line.charAt(i) != ',') {
                i++;
            }
            String name = line.substring(nameStart, i).trim();
            if (i >= n || line.charAt(i) != '=') {
                continue; // a pair without a value names nothing
            }
            i = skipSpace(line, i + 1);
            String value;
            if (i < n && line.charAt(i) == '"') {
                StringBuilder unquoted = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < n && !closed) {
                    char c = line.charAt(i++);
                    if (c == '\\' && i < n) {
                        unquoted.append(line.charAt(i++));
                    } else if (c == '"') {
                        closed = true;
                    } else {
                        unquoted.append(c);
                    }
                }
                i = skipSpace(line, i);
                if (!closed || (i < n && line.charAt(i) != ';' && line.charAt(i) != ',')) {
                    return null;
                }
                value = unquoted.toString();
            } else {
                int valueStart = i;
                while (i < n && line.charAt(i) != ';' && line.charAt(i) != ',') {
                    i++;
                }
                value = line.substring(valueStart, i).trim();
            }
            if (forNode == null && "for".equalsIgnoreCase(name)) {
                forNode = value;
            }
        }
    }

    /** The {@code for} value of one comma-separated piece, surrounding quotes removed, else {@link #UNKNOWN}. */
    private static String looseForNode(String element) {
        for (String pair : element.split(";")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && "for".equalsIgnoreCase(pair.substring(0, equals).trim())) {
                String value = pair.substring(equals + 1).trim();
                if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
                    value = value.substring(1, value.length() - 1);
                }
                return value;
            }
        }
        return UNKNOWN;
    }

    private static int skipSpace(String line, int i) {
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }
}
