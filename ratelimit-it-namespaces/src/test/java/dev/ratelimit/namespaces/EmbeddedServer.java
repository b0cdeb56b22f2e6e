package dev.ratelimit.namespaces;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.catalina.Context;

import dev.ratelimit.testing.TestTomcat;

/**
 * The test-support {@link TestTomcat} (9 or 10.1, whichever is on the classpath), where tests deploy applications
 * described by nothing but a {@code WEB-INF/web.xml}, as a user would. Like {@link TestTomcat} it uses only Tomcat's
 * own API and class names as strings, so it reads the same in both namespaces.
 */
final class EmbeddedServer implements AutoCloseable {

    private final TestTomcat tomcat = new TestTomcat();
    private final Path apps;

    EmbeddedServer() {
        try {
            apps = Files.createTempDirectory("apps");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Tomcat on the classpath, e.g. {@code Apache Tomcat/10.1.55}. */
    static String serverInfo() {
        return TestTomcat.serverInfo();
    }

    /**
     * Deploys an application at {@code path} whose {@code WEB-INF/web.xml} is {@code webXml} and whose static
     * file {@code hello.txt} says "hello". Returns the context, started or (bad configuration) failed.
     */
    Context deploy(String path, String webXml) {
        try {
            Path docBase = Files.createDirectories(apps.resolve(path.substring(1)));
            Files.createDirectories(docBase.resolve("WEB-INF"));
            Files.write(docBase.resolve("WEB-INF/web.xml"), webXml.getBytes(StandardCharsets.UTF_8));
            Files.write(docBase.resolve("hello.txt"), "hello".getBytes(StandardCharsets.UTF_8));
            return tomcat.deploy(tomcat.webXmlContext(path, docBase));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void undeploy(Context context) {
        tomcat.undeploy(context);
    }

    HttpResponse<String> get(String pathAndQuery) {
        return tomcat.get(pathAndQuery);
    }

    @Override
    public void close() {
        tomcat.close();
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
