package dev.ratelimit.jaxrs;

import java.util.HashMap;
import java.util.Map;

import javax.servlet.ServletContext;

import dev.ratelimit.core.app.ApplicationAttributes;

/**
 * Where this JAX-RS application's shared rate-limit objects live: the web application's ServletContext
 * (shared with the Servlet filter), or, outside a Servlet container, a map of its own.
 */
final class ContextAttributes implements ApplicationAttributes {

    private final ServletContext context;
    private final Map<String, Object> own = new HashMap<>();

    /** @param context the container's own ServletContext (not an injection proxy: it is the lock), or null */
    ContextAttributes(ServletContext context) {
        this.context = context;
    }

    @Override
    public Object get(String name) {
        return context != null ? context.getAttribute(name) : own.get(name);
    }

    @Override
    public void set(String name, Object value) {
        if (context != null) {
            context.setAttribute(name, value);
        } else {
            own.put(name, value);
        }
    }

    @Override
    public void remove(String name) {
        if (context != null) {
            context.removeAttribute(name);
        } else {
            own.remove(name);
        }
    }

    @Override
    public Object lock() {
        return context != null ? context : own;
    }
}
