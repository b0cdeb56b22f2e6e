package dev.ratelimit.servlet;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.servlet.http.HttpServlet;

import org.apache.catalina.Context;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

import dev.ratelimit.testing.OkServlet;
import dev.ratelimit.testing.TestTomcat;

/** The test-support {@link TestTomcat}, where this module's tests deploy small applications guarded by the filter. */
final class EmbeddedTomcat implements AutoCloseable {

    private final TestTomcat tomcat = new TestTomcat(Map.of("maxThreads", "64"));

    /**
     * Filter params against the given Redis with generous timeouts (this machine is shared by Redis and
     * many clients), then the given name/value pairs, which may override them.
     */
    static Map<String, String> filterParams(String redisUrl, String... keyValues) {
        Map<String, String> params = new TreeMap<>();
        params.put("redis-url", redisUrl);
        params.put("timeout", "5s");
        params.put("connect-timeout", "5s");
        params.put("pool-max-wait", "5s");
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        return params;
    }

    /** Deploys an application whose every path answers 200 "ok", with one rate-limit filter on /* named {@code limit}. */
    Context deploy(String path, Map<String, String> filterParams, Map<String, String> contextParams) {
        return deploy(path, filterParams, contextParams, new OkServlet());
    }

    /** The same, with this servlet behind the filter. */
    Context deploy(String path, Map<String, String> filterParams, Map<String, String> contextParams, HttpServlet servlet) {
        return deploy(path, List.of(filterParams), contextParams, servlet);
    }

    /**
     * Deploys an application whose every path answers 200 "ok", with one rate-limit filter per element
     * of {@code filters} on /*, in that order (the first is outermost); the first is named {@code limit},
     * the next ones {@code limit2}, {@code limit3}, ...
     */
    Context deploy(String path, List<Map<String, String>> filters, Map<String, String> contextParams, HttpServlet servlet) {
        StandardContext context = servletContext(path, servlet);
        contextParams.forEach(context::addParameter);
        for (int i = 0; i < filters.size(); i++) {
            String name = i == 0 ? "limit" : "limit" + (i + 1);
            TestTomcat.addFilter(context, name, RateLimitFilter.class.getName(), "/*", filters.get(i));
        }
        return tomcat.deploy(context);
    }

    /**
     * Deploys like {@link #deploy(String, List, Map, HttpServlet)}, with a filter of class {@code firstFilter}
     * on /* before the rate-limit filters (the application's own, e.g. its authentication).
     */
    Context deployBehind(String path, String firstFilter, List<Map<String, String>> filters, Map<String, String> contextParams) {
        StandardContext context = servletContext(path, new OkServlet());
        contextParams.forEach(context::addParameter);
        TestTomcat.addFilter(context, "application", firstFilter, "/*", Map.of());
        for (int i = 0; i < filters.size(); i++) {
            String name = i == 0 ? "limit" : "limit" + (i + 1);
            TestTomcat.addFilter(context, name, RateLimitFilter.class.getName(), "/*", filters.get(i));
        }
        return tomcat.deploy(context);
    }

    /** Deploys an application whose every path answers 200 "ok", with one rate-limit filter per entry: name → (URL pattern, params). */
    Context deployFilters(String path, Map<String, Map.Entry<String, Map<String, String>>> filters) {
        StandardContext context = servletContext(path, new OkServlet());
        filters.forEach((name, mapped) ->
                TestTomcat.addFilter(context, name, RateLimitFilter.class.getName(), mapped.getKey(), mapped.getValue()));
        return tomcat.deploy(context);
    }

    private StandardContext servletContext(String path, HttpServlet servlet) {
        StandardContext context = tomcat.codeContext(path);
        Tomcat.addServlet(context, "ok", servlet).setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "ok");
        return context;
    }

    void undeploy(Context context) {
        tomcat.undeploy(context);
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) {
        return tomcat.get(pathAndQuery, headers);
    }

    HttpResponse<String> post(String pathAndQuery, byte[] body, String... headers) {
        return tomcat.post(pathAndQuery, body, headers);
    }

    int port() {
        return tomcat.port();
    }

    HttpResponse<String> send(String method, String pathAndQuery, HttpRequest.BodyPublisher body, String... headers) {
        return tomcat.send(method, pathAndQuery, body, headers);
    }

    @Override
    public void close() {
        tomcat.close();
    }
}
