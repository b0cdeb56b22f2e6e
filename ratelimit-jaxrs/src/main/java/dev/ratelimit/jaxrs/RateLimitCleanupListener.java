package dev.ratelimit.jaxrs;

import java.util.ArrayList;
import java.util.List;

import javax.servlet.ServletContext;
import javax.servlet.ServletContextEvent;
import javax.servlet.ServletContextListener;
import javax.servlet.ServletRequestEvent;
import javax.servlet.ServletRequestListener;

/**
 * Cleans up after the JAX-RS rate limits where JAX-RS has no hook that Jersey and RESTEasy both call:
 * closes their Redis clients when the web application stops, and gives back the concurrency permits a
 * request still holds when it ends (an exception no {@code ExceptionMapper} handles runs no response
 * filter and writes no entity; see {@link HeldPermits}). {@link RateLimitServletInitializer} registers it
 * in every Servlet 3.0+ container; declare it in web.xml only where container initializers are off
 * (e.g. an empty {@code <absolute-ordering/>}):
 * <pre>{@code <listener><listener-class>dev.ratelimit.jaxrs.RateLimitCleanupListener</listener-class></listener>}</pre>
 */
public class RateLimitCleanupListener implements ServletContextListener, ServletRequestListener {

    /** The attribute holding the open applications; its presence says a cleanup listener is registered. */
    static final String ATTRIBUTE = RateLimitCleanupListener.class.getName() + ".open";

    @Override
    public void contextInitialized(ServletContextEvent event) {
        install(event.getServletContext());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Open open;
        synchronized (context) {
            open = (Open) context.getAttribute(ATTRIBUTE);
            context.removeAttribute(ATTRIBUTE);
        }
        if (open != null) {
            open.closeAll();
        }
    }

    @Override
    public void requestInitialized(ServletRequestEvent event) {
        // Permits are taken by the JAX-RS request filter, if at all.
    }

    /** The request leaves the application: the servlet returned or threw (asynchronous: it completed). */
    @Override
    public void requestDestroyed(ServletRequestEvent event) {
        HeldPermits.releaseAll(event.getServletRequest().getAttribute(HeldPermits.PROPERTY));
    }

    /** Marks the context as cleaned up at shutdown; idempotent. */
    static void install(ServletContext context) {
        synchronized (context) {
            if (context.getAttribute(ATTRIBUTE) == null) {
                context.setAttribute(ATTRIBUTE, new Open(context));
            }
        }
    }

    /**
     * The registry of a context with a cleanup listener, found through whatever the JAX-RS runtime
     * injected as {@code @Context ServletContext} (RESTEasy injects a proxy), or null when none is registered.
     */
    static Open find(ServletContext injected) {
        Object open = injected.getAttribute(ATTRIBUTE);
        return open instanceof Open ? (Open) open : null;
    }

    /** The applications open in one web application, closed together when it stops. */
    static final class Open {
        /** The container's own ServletContext, which the Servlet filter locks too. */
        final ServletContext context;
        private final List<AutoCloseable> resources = new ArrayList<>();

        Open(ServletContext context) {
            this.context = context;
        }

        void add(AutoCloseable resource) {
            synchronized (context) {
                resources.add(resource);
            }
        }

        void closeAll() {
            List<AutoCloseable> toClose;
            synchronized (context) {
                toClose = new ArrayList<>(resources);
                resources.clear();
            }
            for (int i = toClose.size() - 1; i >= 0; i--) {
                try {
                    toClose.get(i).close();
                } catch (Exception e) {
                    context.log("Closing rate limits failed", e);
                }
            }
        }
    }
}
