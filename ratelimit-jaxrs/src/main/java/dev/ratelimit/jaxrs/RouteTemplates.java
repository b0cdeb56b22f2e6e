package dev.ratelimit.jaxrs;

import java.lang.reflect.Method;

import javax.ws.rs.Path;

/** The resource template of a method, e.g. {@code /orders/{id}}: the value of key part {@code route}. */
final class RouteTemplates {

    private RouteTemplates() {
    }

    /** The class's and the method's {@code @Path} joined, regular expressions dropped ({@code {id: \d+}} → {@code {id}}). */
    static String of(Class<?> resourceClass, Method method) {
        StringBuilder route = new StringBuilder();
        append(route, resourceClass.getAnnotation(Path.class));
        append(route, method.getAnnotation(Path.class));
        return route.length() == 0 ? "/" : route.toString();
    }

    private static void append(StringBuilder route, Path path) {
        if (path == null) {
            return;
        }
        for (String segment : withoutRegex(path.value()).split("/")) {
            if (!segment.isEmpty()) {
                route.append('/').append(segment);
            }
        }
    }

    static String withoutRegex(String template) {
        StringBuilder out = new StringBuilder(template.length());
        int depth = 0;
        boolean inRegex = false;
        for (char c : template.toCharArray()) {
            if (c == '{') {
                depth++;
                if (depth > 1) {
                    continue;
                }
            } else if (c == '}') {
                depth--;
                if (depth > 0) {
                    continue;
                }
                inRegex = false;
            } else if (c == ':' && depth == 1) {
                inRegex = true;
                continue;
            }
            if (!inRegex || depth == 0) {
                if (depth == 1 && c == ' ') {
                    continue;
                }
                out.append(c);
            }
        }
        return out.toString();
    }
}
