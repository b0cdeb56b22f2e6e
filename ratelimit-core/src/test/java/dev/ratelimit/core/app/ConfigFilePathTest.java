package dev.ratelimit.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** ratelimit.config-file: ${system.property} expanded, the result absolute. */
class ConfigFilePathTest {

    private static final Map<String, String> PROPERTIES = new HashMap<>();

    static {
        PROPERTIES.put("catalina.base", "/opt/tomcat");
        PROPERTIES.put("jboss.server.config.dir", "/opt/wildfly/standalone/configuration");
    }

    @Test
    void expands_system_properties_as_tomcat_and_wildfly_operators_write_them() {
        assertThat(ConfigFilePath.resolve("config-file", "${catalina.base}/conf/ratelimit-policies.properties", PROPERTIES::get))
                .isEqualTo(Paths.get("/opt/tomcat/conf/ratelimit-policies.properties"));
        assertThat(ConfigFilePath.resolve("config-file", "${jboss.server.config.dir}/rl.properties", PROPERTIES::get))
                .isEqualTo(Paths.get("/opt/wildfly/standalone/configuration/rl.properties"));
        assertThat(ConfigFilePath.resolve("config-file", "/etc/app/../app/p.properties", PROPERTIES::get))
                .isEqualTo(Paths.get("/etc/app/p.properties"));
        assertThat(ConfigFilePath.resolve("config-file", null, PROPERTIES::get)).isNull();
    }

    @Test
    void refuses_relative_paths_and_unset_properties() {
        assertThatThrownBy(() -> ConfigFilePath.resolve("config-file", "conf/p.properties", PROPERTIES::get))
                .hasMessageContaining("'config-file'").hasMessageContaining("relative path");
        assertThatThrownBy(() -> ConfigFilePath.resolve("config-file", "${nope}/p.properties", PROPERTIES::get))
                .hasMessageContaining("no system property 'nope'");
    }
}
