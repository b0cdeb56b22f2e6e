package dev.ratelimit.core.app;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

import com.codahale.metrics.MetricRegistry;

import dev.ratelimit.core.AuditLog;
import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.metrics.RateLimitMetrics;

/**
 * Reads what one web application's limiters share (metrics, JMX, audit), with the same names in every
 * adapter. The first filter of an application reads them, so set them as context-params
 * {@code ratelimit.<name>}.
 */
public final class ApplicationParams {

    public static final String METRICS_JMX = "metrics-jmx";
    public static final String METRICS_DOMAIN = "metrics-domain";
    public static final String METRICS_REGISTRY_ATTRIBUTE = "metrics-registry-attribute";
    public static final String AUDIT_MAX_PER_SECOND = "audit-max-per-second";
    /** The policy file ({@link dev.ratelimit.core.app.PolicyFile}), as context-param {@code ratelimit.config-file}. */
    public static final String CONFIG_FILE = "config-file";

    /** Every parameter this class reads. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            METRICS_JMX, METRICS_DOMAIN, METRICS_REGISTRY_ATTRIBUTE, AUDIT_MAX_PER_SECOND, CONFIG_FILE));

    private ApplicationParams() {
    }

    /**
     * @param application the application's name in ObjectNames (e.g. from its context path)
     * @param attributes  the application's attributes (ServletContext), where an existing registry may be
     */
    public static ApplicationRuntime.Settings read(ConfigParams params, String application, Function<String, Object> attributes) {
        String domain = params.get(METRICS_DOMAIN, RateLimitMetrics.DEFAULT_DOMAIN);
        if (!domain.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new ConfigurationException(METRICS_DOMAIN, domain, "a JMX domain of letters, digits, '.', '_' or '-', e.g. 'dev.ratelimit'");
        }
        ApplicationRuntime.Settings settings = new ApplicationRuntime.Settings()
                .application(application)
                .jmx(params.getBoolean(METRICS_JMX, true), domain)
                .auditMaxPerSecond((int) params.getLong(AUDIT_MAX_PER_SECOND, AuditLog.DEFAULT_MAX_PER_SECOND, 1, 1_000_000));
        settings.configFile(ConfigFilePath.resolve(CONFIG_FILE, params.get(CONFIG_FILE), System::getProperty));
        String attribute = params.get(METRICS_REGISTRY_ATTRIBUTE);
        if (attribute != null) {
            Object registry = attributes.apply(attribute);
            if (!(registry instanceof MetricRegistry)) {
                throw new ConfigurationException(METRICS_REGISTRY_ATTRIBUTE, attribute,
                        "the name of a ServletContext attribute holding a com.codahale.metrics.MetricRegistry (found "
                                + (registry == null ? "no such attribute" : registry.getClass().getName())
                                + "; set it before the filters start, e.g. in a ServletContextListener)");
            }
            settings.registry((MetricRegistry) registry);
        }
        return settings;
    }
}
