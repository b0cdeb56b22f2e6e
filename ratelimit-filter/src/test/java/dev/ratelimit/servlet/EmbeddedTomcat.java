package dev.ratelimit.servlet;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import dev.ratelimit.testing.TestHttp;

/** A real Tomcat 9 on a free port, where tests deploy small applications guarded by the filter. */
final class EmbeddedTomcat implements AutoCloseable {


    private final Tomcat tomcat = new Tomcat();
    private final int port;

    EmbeddedTomcat() {
        try {
            File base = Files.createTempDirectory("tomcat").toFile();
            tomcat.setBaseDir(base.getAbsolutePath());
            tomcat.setPort(0);
            tomcat.getConnector().setProperty("maxThreads", "64");
            tomcat.getHost();
            tomcat.start();
            port = tomcat.getConnector().getLocalPort();
        } catch (IOException | LifecycleException e) {
            throw new IllegalStateException(e);
        }
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
        File docBase = new File(tomcat.getServer().getCatalinaBase(), "webapps");
        docBase.mkdirs();
        // Configured completely before it joins the (running) host, which starts it at once.
        StandardContext context = new StandardContext();
        context.setName(path);
        context.setPath(path);
        context.setDocBase(docBase.getAbsolutePath());
        context.addLifecycleListener(new Tomcat.FixContextListener());
        contextParams.forEach(context::addParameter);
        Tomcat.addServlet(context, "ok", servlet);
        context.addServletMappingDecoded("/*", "ok");
        for (int i = 0; i < filters.size(); i++) {
            String name = i == 0 ? "limit" : "limit" + (i + 1);
            FilterDef def = new FilterDef();
            def.setFilterName(name);
            def.setFilterClass(RateLimitFilter.class.getName());
            filters.get(i).forEach(def::addInitParameter);
            context.addFilterDef(def);
            FilterMap map = new FilterMap();
            map.setFilterName(name);
            map.addURLPattern("/*");
            context.addFilterMap(map);
        }
        tomcat.getHost().addChild(context);
        return context;
    }

    /** Deploys an application whose every path answers 200 "ok", with one rate-limit filter per entry: name → (URL pattern, params). */
    Context deployFilters(String path, Map<String, Map.Entry<String, Map<String, String>>> filters) {
        File docBase = new File(tomcat.getServer().getCatalinaBase(), "webapps");
        docBase.mkdirs();
        StandardContext context = new StandardContext();
        context.setName(path);
        context.setPath(path);
        context.setDocBase(docBase.getAbsolutePath());
        context.addLifecycleListener(new Tomcat.FixContextListener());
        Tomcat.addServlet(context, "ok", new OkServlet());
        context.addServletMappingDecoded("/*", "ok");
        filters.forEach((name, mapped) -> {
            FilterDef def = new FilterDef();
            def.setFilterName(name);
            def.setFilterClass(RateLimitFilter.class.getName());
            mapped.getValue().forEach(def::addInitParameter);
            context.addFilterDef(def);
            FilterMap map = new FilterMap();
            map.setFilterName(name);
            map.addURLPattern(mapped.getKey());
            context.addFilterMap(map);
        });
        tomcat.getHost().addChild(context);
        return context;
    }

    void undeploy(Context context) {
        tomcat.getHost().removeChild(context);
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) {
        return send("GET", pathAndQuery, HttpRequest.BodyPublishers.noBody(), headers);
    }

    HttpResponse<String> post(String pathAndQuery, byte[] body, String... headers) {
        return send("POST", pathAndQuery, HttpRequest.BodyPublishers.ofByteArray(body), headers);
    }

    int port() {
        return port;
    }

    HttpResponse<String> send(String method, String pathAndQuery, HttpRequest.BodyPublisher body, String... headers) {
        return TestHttp.send(port, method, pathAndQuery, body, headers);
    }

    @Override
    public void close() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class OkServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.getWriter().write("ok");
        }
    }
}
