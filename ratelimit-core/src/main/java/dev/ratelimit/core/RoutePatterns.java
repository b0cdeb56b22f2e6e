package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The {@code route-patterns} of a policy: paths such as {@code /orders/{id}} or {@code /files/*}. A request
 * path matching one is counted under the pattern for key part {@code route}, so {@code key=ip,route}
 * cannot be walked around by sending {@code /orders/<random>}: every id shares one counter, as JAX-RS
 * resource templates already do. The first matching pattern wins; a path matching none keeps its own route.
 */
public final class RoutePatterns {

    public static final String ACCEPTED = "comma-separated paths starting with '/', whose segments are literal text,"
            + " a {name} standing for any one segment, or (last only) '*' for anything below, e.g. '/orders/{id}, /files/*'";

    private static final RoutePatterns NONE = new RoutePatterns(Collections.<Pattern>emptyList());

    private final List<Pattern> patterns;

    private RoutePatterns(List<Pattern> patterns) {
        this.patterns = patterns;
    }

    public static RoutePatterns none() {
        return NONE;
    }

    public static RoutePatterns parse(String parameter, String text) {
        if (text == null || text.trim().isEmpty()) {
            return NONE;
        }
        List<Pattern> patterns = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            Pattern pattern = Pattern.parse(part.trim());
            if (pattern == null) {
                throw new ConfigurationException(parameter, text, ACCEPTED);
            }
            patterns.add(pattern);
        }
        return new RoutePatterns(Collections.unmodifiableList(patterns));
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    /**
     * The first pattern the path matches, or the path itself. One trailing slash is ignored when matching
     * ({@code /orders/7/} is {@code /orders/{id}}), since applications commonly serve both spellings.
     */
    public String routeOf(String path) {
        Pattern pattern = matching(path);
        return pattern == null ? path : pattern.text;
    }

    /** Whether the path matches one of the patterns (as {@link #routeOf} matches it). */
    public boolean matches(String path) {
        return matching(path) != null;
    }

    private Pattern matching(String path) {
        if (path == null || patterns.isEmpty()) {
            return null;
        }
        String[] segments = segments(path);
        if (segments.length > 1 && segments[segments.length - 1].isEmpty()) {
            segments = Arrays.copyOf(segments, segments.length - 1);
        }
        for (Pattern pattern : patterns) {
            if (pattern.matches(segments)) {
                return pattern;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        List<String> texts = new ArrayList<>(patterns.size());
        for (Pattern pattern : patterns) {
            texts.add(pattern.text);
        }
        return texts.isEmpty() ? "none" : texts.toString();
    }

    /** {@code /a/b/} → [a, b, ""]: an empty segment never matches a {name}, so {@code /orders//} is not {@code /orders/{id}}. */
    private static String[] segments(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.split("/", -1);
    }

    private static final class Pattern {
        private static final String ANY_BELOW = "*";

        final String text;
        /** Literal segments; null where a {name} stands. */
        final String[] segments;
        final boolean anyBelow;

        private Pattern(String text, String[] segments, boolean anyBelow) {
            this.text = text;
            this.segments = segments;
            this.anyBelow = anyBelow;
        }

        static Pattern parse(String text) {
            if (!text.startsWith("/") || text.length() > 512) {
                return null;
            }
            String[] parts = segments(text);
            boolean anyBelow = parts[parts.length - 1].equals(ANY_BELOW);
            int count = anyBelow ? parts.length - 1 : parts.length;
            String[] segments = new String[count];
            for (int i = 0; i < count; i++) {
                String part = parts[i];
                if (part.matches("\\{[A-Za-z0-9_-]+\\}")) {
                    segments[i] = null;
                } else if (part.matches("[^{}*]*")) {
                    segments[i] = part;
                } else {
                    return null;
                }
            }
            return new Pattern(text, segments, anyBelow);
        }

        boolean matches(String[] path) {
            if (anyBelow ? path.length < segments.length : path.length != segments.length) {
                return false;
            }
            for (int i = 0; i < segments.length; i++) {
                String literal = segments[i];
                if (literal == null ? path[i].isEmpty() : !literal.equals(path[i])) {
                    return false;
                }
            }
            return true;
        }
    }
}
