package dev.ratelimit.core.app;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ratelimit.core.ConfigurationException;

/**
 * The path of the policy file as written in {@code ratelimit.config-file}: {@code ${name}} stands for the
 * system property {@code name} ({@code ${catalina.base}/conf/ratelimit-policies.properties} on Tomcat,
 * {@code ${jboss.server.config.dir}/ratelimit-policies.properties} on WildFly); the result must be absolute.
 * A relative path is refused: it would depend on the server's working directory, which nobody chooses.
 */
public final class ConfigFilePath {

    public static final String ACCEPTED = "an absolute path, in which ${name} stands for a system property, e.g."
            + " '${catalina.base}/conf/ratelimit-policies.properties' or '/etc/myapp/ratelimit-policies.properties'";

    private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]*)\\}");

    private ConfigFilePath() {
    }

    /** @return null when {@code value} is null (no policy file) */
    public static Path resolve(String parameter, String value, Function<String, String> systemProperties) {
        if (value == null) {
            return null;
        }
        StringBuffer expanded = new StringBuffer();
        Matcher m = PROPERTY.matcher(value);
        while (m.find()) {
            String property = systemProperties.apply(m.group(1));
            if (m.group(1).isEmpty() || property == null) {
                throw new ConfigurationException(parameter, value, "no system property '" + m.group(1) + "' is set; "
                        + ACCEPTED);
            }
            m.appendReplacement(expanded, Matcher.quoteReplacement(property));
        }
        m.appendTail(expanded);
        Path path;
        try {
            path = Paths.get(expanded.toString());
        } catch (InvalidPathException e) {
            throw new ConfigurationException(parameter, value, ACCEPTED);
        }
        if (!path.isAbsolute()) {
            throw new ConfigurationException(parameter, value, "a relative path would depend on the server's working"
                    + " directory; " + ACCEPTED);
        }
        return path.normalize();
    }
}
