package dev.ratelimit.servlet;

import javax.servlet.ServletContext;

import dev.ratelimit.core.SharedStores;

/** Keeps the application's {@link SharedStores} in its ServletContext, created by the first lease. */
final class ApplicationStores {

    private ApplicationStores() {
    }

    static SharedStores lease(ServletContext context) {
        synchronized (context) {
            SharedStores shared = (SharedStores) context.getAttribute(SharedStores.ATTRIBUTE);
            if (shared == null) {
                shared = new SharedStores();
                context.setAttribute(SharedStores.ATTRIBUTE, shared);
            }
            return shared.lease();
        }
    }

    static void release(ServletContext context, SharedStores shared) {
        synchronized (context) {
            if (shared.release()) {
                context.removeAttribute(SharedStores.ATTRIBUTE);
            }
        }
    }
}
