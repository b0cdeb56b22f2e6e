package dev.ratelimit.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import dev.ratelimit.servlet.RateLimitFilter;

/**
 * The server side of the end-to-end and fleet loads, in a JVM of its own ({@link TomcatProcess} starts it), so
 * that this process' CPU time is the application server's alone: one embedded Tomcat 9, one application, one
 * servlet on {@code /*} and, when init-params are given, the real {@link RateLimitFilter} on {@code /*} with
 * them (as a web.xml would give them). Without init-params: the bare servlet.
 *
 * <p>Arguments: the status file, then {@code name=value} init-params. Writes {@code port N} or {@code failed ...}
 * to the status file once started, then serves until its standard input ends.
 */
public final class TomcatServer {

    // Held so the JULI levels set here are not collected with a weakly referenced logger.
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
    private static final Logger LOADER_LOG = Logger.getLogger("org.apache.catalina.loader");

    private TomcatServer() {
    }

    public static void main(String[] args) throws Exception {
        Path status = Path.of(args[0]);
        TOMCAT_LOG.setLevel(Level.WARNING);
        LOADER_LOG.setLevel(Level.SEVERE);
        Path base = Files.createTempDirectory(status.getParent(), "tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", base.toString());
        Tomcat.addServlet(context, "api", new ApiServlet());
        context.addServletMappingDecoded("/*", "api");
        if (args.length > 1) {
            FilterDef filter = new FilterDef();
            filter.setFilterName("api-limit");
            filter.setFilterClass(RateLimitFilter.class.getName());
            for (int i = 1; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                filter.addInitParameter(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
            context.addFilterDef(filter);
            FilterMap map = new FilterMap();
            map.setFilterName("api-limit");
            map.addURLPattern("/*");
            context.addFilterMap(map);
        }
        tomcat.getHost();
        tomcat.start();
        Path written = status.resolveSibling(status.getFileName() + ".tmp");
        if (context.getState() != LifecycleState.STARTED) {
            // The filter's init failed (a refused init-param, say): the reason is in this process' log.
            Files.writeString(written, "failed: the application did not start (" + context.getState() + ")\n");
            Files.move(written, status);
            tomcat.stop();
            tomcat.destroy();
            System.exit(2);
        }
        Files.writeString(written, "port " + tomcat.getConnector().getLocalPort() + "\n");
        Files.move(written, status);
        // Serves until its standard input ends: the parent closed it, or died (even by SIGKILL), so no server outlives
        // the benchmark run.
        while (System.in.read() >= 0) {
            // nothing is sent
        }
        System.exit(0);
    }

    /** Like the example's {@code ApiServlet}: a small JSON answer naming the route. */
    static final class ApiServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            byte[] body = ("{\"route\":\"" + request.getRequestURI() + "\",\"method\":\"" + request.getMethod() + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
