package dev.ratelimit.jaxrs;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import javax.servlet.GenericServlet;
import javax.servlet.Servlet;
import javax.servlet.ServletConfig;
import javax.servlet.ServletContainerInitializer;
import javax.servlet.ServletContextEvent;
import javax.servlet.ServletContextListener;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.ws.rs.core.Application;

import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.TestTomcat;

/**
 * The test-support {@link TestTomcat}, where tests deploy JAX-RS applications as a web.xml would: the
 * runtime's servlet at {@code /rest/*} with {@code javax.ws.rs.Application}, load-on-startup, and this
 * jar's container initializer. Classes are registered explicitly: no classpath scanning.
 */
final class JaxrsTomcat implements AutoCloseable {

    static final String REST = "/rest";

    private final TestTomcat tomcat = new TestTomcat();

    /** What became of one deployment. */
    static final class Deployment {
        final Context context;
        /** Why the JAX-RS servlet failed to start, or null. */
        final Throwable failure;

        Deployment(Context context, Throwable failure) {
            this.context = context;
            this.failure = failure;
        }
    }

    /** The port Tomcat listens on, for tests that write raw HTTP. */
    int port() {
        return tomcat.port();
    }

    /**
     * @param filterParams when not null, a {@link RateLimitFilter} with these init-params guards an
     *                     "ok" servlet at {@code /filtered/*}
     */
    Deployment deploy(String path, JaxrsRuntime runtime, Class<? extends Application> application,
                      Map<String, String> contextParams, Map<String, String> filterParams) {
        // What Tomcat does with META-INF/services/javax.servlet.ServletContainerInitializer when it scans.
        return deploy(path, runtime, application, contextParams, filterParams, new RateLimitServletInitializer());
    }

    /**
     * A deployment whose Redis clients are closed at undeploy, but where no request listener gives back
     * the permits a request still holds when it ends: what the JAX-RS filters and interceptor do alone,
     * as on a runtime outside a Servlet container.
     */
    Deployment deployWithoutRequestListener(String path, JaxrsRuntime runtime, Class<? extends Application> application,
                                            Map<String, String> contextParams) {
        return deploy(path, runtime, application, contextParams, null, (classes, servletContext) -> {
            RateLimitCleanupListener.install(servletContext);
            servletContext.addListener(new ContextCleanupOnly());
        });
    }

    private Deployment deploy(String path, JaxrsRuntime runtime, Class<? extends Application> application,
                              Map<String, String> contextParams, Map<String, String> filterParams,
                              ServletContainerInitializer initializer) {
        StandardContext context = tomcat.codeContext(path);
        context.setFailCtxIfServletStartFails(true);
        contextParams.forEach(context::addParameter);
        context.addServletContainerInitializer(initializer, null);

        AtomicReference<Throwable> failure = new AtomicReference<>();
        Wrapper jaxrs = Tomcat.addServlet(context, "jaxrs", new FailureRecording(runtime.servlet(), failure));
        jaxrs.addInitParameter("javax.ws.rs.Application", application.getName());
        runtime.initParams(REST).forEach(jaxrs::addInitParameter);
        jaxrs.setLoadOnStartup(1);
        jaxrs.setAsyncSupported(true);
        context.addServletMappingDecoded(REST + "/*", "jaxrs");

        if (filterParams != null) {
            Tomcat.addServlet(context, "ok", new OkServlet());
            context.addServletMappingDecoded("/filtered/*", "ok");
            TestTomcat.addFilter(context, "limit", RateLimitFilter.class.getName(), "/filtered/*", filterParams);
        }
        try {
            tomcat.deploy(context);
        } catch (IllegalStateException e) {
            // The context failed to start: the test asks the Deployment why.
        }
        return new Deployment(context, failure.get());
    }

    void undeploy(Context context) {
        tomcat.undeploy(context);
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) {
        return tomcat.get(pathAndQuery, headers);
    }

    /** A GET whose header lines are sent exactly as given, e.g. one header as two lines; the status code. */
    int rawGet(String pathAndQuery, String... headerLines) {
        return tomcat.rawGet(pathAndQuery, headerLines);
    }

    HttpResponse<String> post(String pathAndQuery, byte[] body, String... headers) {
        return tomcat.post(pathAndQuery, body, headers);
    }

    HttpResponse<String> send(String method, String pathAndQuery, HttpRequest.BodyPublisher body, String... headers) {
        return tomcat.send(method, pathAndQuery, body, headers);
    }

    @Override
    public void close() {
        tomcat.close();
    }

    /** {@link RateLimitCleanupListener} as a context listener only. */
    private static final class ContextCleanupOnly implements ServletContextListener {
        private final RateLimitCleanupListener cleanup = new RateLimitCleanupListener();

        @Override
        public void contextInitialized(ServletContextEvent event) {
            cleanup.contextInitialized(event);
        }

        @Override
        public void contextDestroyed(ServletContextEvent event) {
            cleanup.contextDestroyed(event);
        }
    }

    /** The runtime's servlet, remembering why its init failed (Tomcat only logs it). */
    private static final class FailureRecording extends GenericServlet {
        private static final long serialVersionUID = 1L;
        private final transient Servlet delegate;
        private final transient AtomicReference<Throwable> failure;

        FailureRecording(Servlet delegate, AtomicReference<Throwable> failure) {
            this.delegate = delegate;
            this.failure = failure;
        }

        @Override
        public void init(ServletConfig config) throws ServletException {
            super.init(config);
            try {
                delegate.init(config);
            } catch (ServletException | RuntimeException e) {
                failure.set(e);
                throw e;
            }
        }

        @Override
        public void service(ServletRequest request, ServletResponse response) throws ServletException, IOException {
            delegate.service(request, response);
        }

        @Override
        public void destroy() {
            delegate.destroy();
        }
    }
}
