package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;

/** A node list of commas only names its parameter (it was an IllegalStateException from RedisSettings). */
class EmptyNodeListTest {

    @Test
    void a_cluster_or_sentinel_list_of_commas_only_is_a_configuration_error_naming_the_parameter() {
        for (Map<String, String> given : new Map[] {Map.of("redis-cluster", ","),
                Map.of("redis-sentinels", ", ,", "redis-sentinel-master", "mymaster")}) {
            String parameter = given.containsKey("redis-cluster") ? "redis-cluster" : "redis-sentinels";
            assertThatThrownBy(() -> RedisParams.read(new ConfigParams(given::get)))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("'" + parameter + "'");
        }
    }
}
