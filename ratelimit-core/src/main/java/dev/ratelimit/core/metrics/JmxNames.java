package dev.ratelimit.core.metrics;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import com.codahale.metrics.jmx.ObjectNameFactory;

/**
 * ObjectNames of one web application: {@code <domain>:app=<application>,type=<type>,name=<name>}.
 * The {@code app} key keeps two WARs in one container apart even with the same domain.
 */
public final class JmxNames implements ObjectNameFactory {

    private final String application;

    public JmxNames(String application) {
        this.application = application;
    }

    /** The application's name from its context path: {@code /shop} → {@code shop}, the root → {@code ROOT}. */
    public static String applicationName(String contextPath) {
        if (contextPath == null || contextPath.isEmpty() || contextPath.equals("/")) {
            return "ROOT";
        }
        return contextPath.startsWith("/") ? contextPath.substring(1) : contextPath;
    }

    @Override
    public ObjectName createName(String type, String domain, String name) {
        return name(domain, type, name);
    }

    public ObjectName name(String domain, String type, String name) {
        try {
            return new ObjectName(domain + ":app=" + value(application) + ",type=" + value(type) + ",name=" + value(name));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("Cannot build an ObjectName in domain '" + domain + "' for " + name, e);
        }
    }

    private static String value(String raw) {
        for (char c : raw.toCharArray()) {
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\n') {
                return ObjectName.quote(raw);
            }
        }
        return raw;
    }
}
