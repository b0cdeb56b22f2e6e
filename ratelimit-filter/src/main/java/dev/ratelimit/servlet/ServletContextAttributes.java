package dev.ratelimit.servlet;

import javax.servlet.ServletContext;

import dev.ratelimit.core.app.ApplicationAttributes;

/** A ServletContext's attributes, where the application's {@link dev.ratelimit.core.app.ApplicationRuntime} live. */
final class ServletContextAttributes implements ApplicationAttributes {

    private final ServletContext context;

    ServletContextAttributes(ServletContext context) {
        this.context = context;
    }

    @Override
    public Object get(String name) {
        return context.getAttribute(name);
    }

    @Override
    public void set(String name, Object value) {
        context.setAttribute(name, value);
    }

    @Override
    public void remove(String name) {
        context.removeAttribute(name);
    }

    @Override
    public Object lock() {
        return context;
    }
}
