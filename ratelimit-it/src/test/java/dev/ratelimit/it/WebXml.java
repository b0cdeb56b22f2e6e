package dev.ratelimit.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A web.xml for the small test WARs: context-params and rate-limit filters, nothing else. */
final class WebXml {

    private final Map<String, String> contextParams = new LinkedHashMap<>();
    private final List<String> filters = new ArrayList<>();
    private final List<String> mappings = new ArrayList<>();
    private final List<String> servlets = new ArrayList<>();

    static WebXml create() {
        return new WebXml();
    }

    WebXml contextParam(String name, String value) {
        contextParams.put(name, value);
        return this;
    }

    /** A {@code dev.ratelimit.servlet.RateLimitFilter} on {@code urlPattern}; params as name, value, name, value... */
    WebXml filter(String name, String urlPattern, String... params) {
        StringBuilder filter = new StringBuilder("  <filter>\n    <filter-name>").append(name)
                .append("</filter-name>\n    <filter-class>dev.ratelimit.servlet.RateLimitFilter</filter-class>\n");
        for (int i = 0; i < params.length; i += 2) {
            filter.append("    <init-param><param-name>").append(params[i]).append("</param-name><param-value>")
                    .append(params[i + 1]).append("</param-value></init-param>\n");
        }
        filters.add(filter.append("  </filter>\n").toString());
        mappings.add("  <filter-mapping><filter-name>" + name + "</filter-name><url-pattern>" + urlPattern
                + "</url-pattern></filter-mapping>\n");
        return this;
    }

    /** A servlet of the WAR (by class name, so the test JVM need not load it) on {@code urlPatterns}. */
    WebXml servlet(String name, String className, String... urlPatterns) {
        StringBuilder servlet = new StringBuilder("  <servlet><servlet-name>").append(name).append("</servlet-name><servlet-class>")
                .append(className).append("</servlet-class></servlet>\n  <servlet-mapping><servlet-name>").append(name)
                .append("</servlet-name>");
        for (String pattern : urlPatterns) {
            servlet.append("<url-pattern>").append(pattern).append("</url-pattern>");
        }
        servlets.add(servlet.append("</servlet-mapping>\n").toString());
        return this;
    }

    String build() {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<web-app xmlns=\"http://xmlns.jcp.org/xml/ns/javaee\" version=\"4.0\">\n");
        contextParams.forEach((name, value) -> xml.append("  <context-param><param-name>").append(name)
                .append("</param-name><param-value>").append(value).append("</param-value></context-param>\n"));
        filters.forEach(xml::append);
        mappings.forEach(xml::append);
        servlets.forEach(xml::append);
        return xml.append("</web-app>\n").toString();
    }
}
