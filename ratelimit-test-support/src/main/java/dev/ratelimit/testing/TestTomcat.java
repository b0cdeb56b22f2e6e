package dev.ratelimit.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * A real embedded Tomcat on a free port of {@code 127.0.0.1}, started at once, where tests deploy applications
 * while it runs. It uses only Tomcat's own API and names classes as strings, never a Servlet API type, so it
 * works unchanged with Tomcat 9 ({@code javax}) and Tomcat 10.1 ({@code jakarta}), whichever is on the classpath.
 */
public final class TestTomcat implements AutoCloseable {

    private final Tomcat tomcat = new Tomcat();
    private final Path base;
    private final int port;

    /** Starts Tomcat with its default connector. */
    public TestTomcat() {
        this(Map.of());
    }

    /** Starts Tomcat with these properties on its connector, e.g. {@code maxThreads}. */
    public TestTomcat(Map<String, String> connectorProperties) {
        try {
            base = Files.createTempDirectory("tomcat");
            tomcat.setBaseDir(base.toString());
            tomcat.setPort(0);
            connectorProperties.forEach(tomcat.getConnector()::setProperty);
            tomcat.getHost();
            tomcat.start();
            port = tomcat.getConnector().getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Tomcat on the classpath, e.g. {@code Apache Tomcat/10.1.55}. */
    public static String serverInfo() {
        return org.apache.catalina.util.ServerInfo.getServerInfo();
    }

    public int port() {
        return port;
    }

    /**
     * A context for an application configured in code (servlets, filters, parameters): no web.xml, an empty
     * document base. Configure it, then {@link #deploy(Context)} it.
     */
    public StandardContext codeContext(String path) {
        File docBase = new File(tomcat.getServer().getCatalinaBase(), "webapps");
        docBase.mkdirs();
        StandardContext context = newContext(path, docBase.getAbsolutePath());
        context.addLifecycleListener(new Tomcat.FixContextListener());
        return context;
    }

    /**
     * A context for the application in {@code docBase}, configured by its {@code WEB-INF/web.xml} as a user's
     * would be, without Tomcat's default web.xml and without scanning the JVM's classpath for annotations (the
     * libraries are on it here; scanning is slow and not the point). Add to it in code, then {@link #deploy(Context)} it.
     */
    public StandardContext webXmlContext(String path, Path docBase) {
        StandardContext context = newContext(path, docBase.toString());
        ContextConfig config = new ContextConfig();
        config.setDefaultWebXml(Constants.NoDefaultWebXml);
        context.addLifecycleListener(config);
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false);
        context.setJarScanner(scanner);
        return context;
    }

    private static StandardContext newContext(String path, String docBase) {
        StandardContext context = new StandardContext();
        context.setName(path);
        context.setPath(path);
        context.setDocBase(docBase);
        return context;
    }

    /**
     * Adds the context to the running host, which starts it at once: configure it completely before. Its
     * {@code getState()} says whether it started.
     */
    public Context deploy(Context context) {
        tomcat.getHost().addChild(context);
        return context;
    }

    public void undeploy(Context context) {
        tomcat.getHost().removeChild(context);
    }

    /** Maps a filter of class {@code filterClass}, with these init-params, to {@code urlPattern}, after those added before. */
    public static void addFilter(Context context, String name, String filterClass, String urlPattern,
                                 Map<String, String> initParams) {
        FilterDef def = new FilterDef();
        def.setFilterName(name);
        def.setFilterClass(filterClass);
        def.setAsyncSupported("true");
        initParams.forEach(def::addInitParameter);
        context.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName(name);
        map.addURLPattern(urlPattern);
        context.addFilterMap(map);
    }

    public HttpResponse<String> get(String pathAndQuery, String... headers) {
        return TestHttp.get(port, pathAndQuery, headers);
    }

    public HttpResponse<String> post(String pathAndQuery, byte[] body, String... headers) {
        return TestHttp.post(port, pathAndQuery, body, headers);
    }

    public HttpResponse<String> send(String method, String pathAndQuery, HttpRequest.BodyPublisher body, String... headers) {
        return TestHttp.send(port, method, pathAndQuery, body, headers);
    }

    /** A GET whose header lines are sent exactly as given, e.g. one header as two lines; the status code. */
    public int rawGet(String pathAndQuery, String... headerLines) {
        return TestHttp.rawGet(port, pathAndQuery, headerLines);
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
}
