package dev.ratelimit.servlet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import javax.servlet.ServletContext;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import com.codahale.metrics.MetricRegistry;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.metrics.JmxNames;

/**
 * Serves the application's rate-limit metrics for Prometheus: the text format 0.0.4, or OpenMetrics 1.0 when
 * the request's {@code Accept} asks for {@code application/openmetrics-text}. Names and labels ({@code app},
 * {@code policy}, {@code redis}, {@code state}) are listed in src/docs/metrics.md; counters end in
 * {@code _total}, durations are in seconds.
 *
 * <pre>{@code
 * <servlet>
 *   <servlet-name>prometheus</servlet-name>
 *   <servlet-class>dev.ratelimit.servlet.PrometheusMetricsServlet</servlet-class>
 * </servlet>
 * <servlet-mapping>
 *   <servlet-name>prometheus</servlet-name>
 *   <url-pattern>/metrics</url-pattern>
 * </servlet-mapping>
 * }</pre>
 *
 * It reads the registry of the application's {@link ApplicationRuntime} at every scrape, so it needs no
 * parameter and works whichever adapter (filter, JAX-RS) started the runtime, and whenever. Until one has, it
 * serves an empty page. Only the library's metrics ({@code ratelimit.*}) are served, even when the
 * application shares its own registry with us ({@code metrics-registry-attribute}). It serves anyone who
 * reaches it: keep it off the public network, or protect it with a {@code security-constraint}.
 */
public class PrometheusMetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient ExpositionFormatWriter text = PrometheusTextFormatWriter.create();
    private final transient ExpositionFormatWriter openMetrics = OpenMetricsTextFormatWriter.create();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ExpositionFormatWriter writer = openMetrics.accepts(request.getHeader("Accept")) ? openMetrics : text;
        ServletContext context = getServletContext();
        MetricRegistry registry = registry(context);
        MetricSnapshots snapshots = registry == null ? MetricSnapshots.of()
                : PrometheusSnapshots.collect(registry, JmxNames.applicationName(context.getContextPath()));
        // Written whole before the status is sent: a failure is a 500, never a truncated page with a 200.
        ByteArrayOutputStream page = new ByteArrayOutputStream();
        writer.write(page, snapshots);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(writer.getContentType());
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(page.size());
        page.writeTo(response.getOutputStream());
    }

    private static MetricRegistry registry(ServletContext context) {
        Object runtime = context.getAttribute(ApplicationRuntime.ATTRIBUTE);
        return runtime instanceof ApplicationRuntime ? ((ApplicationRuntime) runtime).metrics().registry() : null;
    }
}
