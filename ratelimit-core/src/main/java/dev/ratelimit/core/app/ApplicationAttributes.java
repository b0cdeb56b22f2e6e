package dev.ratelimit.core.app;

/**
 * Where a web application keeps objects its parts share: the adapters wrap the ServletContext's
 * attributes in this, so the core can keep {@link ApplicationRuntime} there without a Servlet import.
 */
public interface ApplicationAttributes {

    Object get(String name);

    void set(String name, Object value);

    void remove(String name);

    /** The object to lock on: the container's own context object, the same for every adapter. */
    Object lock();
}
