package dev.ratelimit.namespaces;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * An embedded Tomcat (9 or 10.1, whichever is on the classpath) where tests deploy applications described by
 * nothing but a {@code WEB-INF/web.xml}, as a user would. The code uses only Tomcat's own API and class names
 * as strings, so it reads the same in both namespaces.
 */
final class EmbeddedServer implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private final Tomcat tomcat = new Tomcat();
    private final Path base;
    private final int port;

    EmbeddedServer() {
        try {
            base = Files.createTempDirectory("tomcat");
            tomcat.setBaseDir(base.toString());
            tomcat.setPort(0);
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
    static String serverInfo() {
        return org.apache.catalina.util.ServerInfo.getServerInfo();
    }

    /**
     * Deploys an application at {@code path} whose {@code WEB-INF/web.xml} is {@code webXml} and whose static
     * file {@code hello.txt} says "hello". Returns the context, started or (bad configuration) failed.
     */
    Context deploy(String path, String webXml) {
        try {
            Path docBase = Files.createDirectories(base.resolve("apps").resolve(path.substring(1)));
            Files.createDirectories(docBase.resolve("WEB-INF"));
            Files.write(docBase.resolve("WEB-INF/web.xml"), webXml.getBytes(StandardCharsets.UTF_8));
            Files.write(docBase.resolve("hello.txt"), "hello".getBytes(StandardCharsets.UTF_8));
            StandardContext context = new StandardContext();
            context.setName(path);
            context.setPath(path);
            context.setDocBase(docBase.toString());
            ContextConfig config = new ContextConfig();
            config.setDefaultWebXml(Constants.NoDefaultWebXml);
            context.addLifecycleListener(config);
            // The libraries are on the JVM's classpath here: scanning them for annotations is slow and not the point.
            StandardJarScanner scanner = new StandardJarScanner();
            scanner.setScanClassPath(false);
            context.setJarScanner(scanner);
            tomcat.getHost().addChild(context);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void undeploy(Context context) {
        tomcat.getHost().removeChild(context);
    }

    HttpResponse<String> get(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }

    /** A Servlet 4.0 deployment descriptor; Tomcat 10.1 reads it too (only the Java packages changed in EE 9). */
    static String webXml(String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<web-app xmlns=\"http://xmlns.jcp.org/xml/ns/javaee\" version=\"4.0\" metadata-complete=\"true\">\n"
                + body
                + "  <servlet><servlet-name>static</servlet-name>"
                + "<servlet-class>org.apache.catalina.servlets.DefaultServlet</servlet-class></servlet>\n"
                + "  <servlet-mapping><servlet-name>static</servlet-name><url-pattern>/</url-pattern></servlet-mapping>\n"
                + "</web-app>\n";
    }

    static String filter(String name, String mapping, String... params) {
        StringBuilder xml = new StringBuilder("  <filter><filter-name>").append(name)
                .append("</filter-name><filter-class>dev.ratelimit.servlet.RateLimitFilter</filter-class>\n");
        for (int i = 0; i < params.length; i += 2) {
            xml.append("    <init-param><param-name>").append(params[i]).append("</param-name><param-value>")
                    .append(params[i + 1]).append("</param-value></init-param>\n");
        }
        return xml.append("  </filter>\n  <filter-mapping><filter-name>").append(name)
                .append("</filter-name><url-pattern>").append(mapping).append("</url-pattern></filter-mapping>\n")
                .toString();
    }
}
