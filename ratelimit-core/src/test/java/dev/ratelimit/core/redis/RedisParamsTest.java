package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.ConfigurationException;

/** One test per rule of the Redis topology, credential and TLS parameters, each checking the message. */
class RedisParamsTest {

    private static RedisSettings read(Map<String, String> env, String... pairs) {
        return Topologies.settings(Topologies.params(pairs), env);
    }

    private static RedisSettings read(String... pairs) {
        return read(Map.of(), pairs);
    }

    @Test
    void reads_a_sentinel_master_and_its_sentinels() {
        RedisSettings s = read("redis-sentinels", "s1:26379, s2:26380", "redis-sentinel-master", "mymaster");
        assertThat(s.topology()).isEqualTo(RedisSettings.Topology.SENTINEL);
        assertThat(s.nodes()).containsExactly("s1:26379", "s2:26380");
        assertThat(s.master()).isEqualTo("mymaster");
        assertThat(s.toString()).isEqualTo("redis-sentinel://s1:26379,s2:26380/mymaster/0");
    }

    @Test
    void reads_cluster_seeds_with_tls_from_the_scheme() {
        RedisSettings s = read("redis-cluster", "rediss://n1:6379,rediss://n2:6379");
        assertThat(s.topology()).isEqualTo(RedisSettings.Topology.CLUSTER);
        assertThat(s.tls()).isTrue();
        assertThat(s.toString()).isEqualTo("rediss-cluster://n1:6379,n2:6379");
    }

    @Test
    void refuses_a_node_list_of_only_commas_naming_the_parameter() {
        // found by ParameterParsingProperties (seed -5509377701137942655): it failed with an IllegalStateException
        assertThatThrownBy(() -> read("redis-cluster", ","))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'redis-cluster'").hasMessageContaining("host:port");
        assertThatThrownBy(() -> read("redis-sentinels", " , ", "redis-sentinel-master", "m"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'redis-sentinels'").hasMessageContaining("host:port");
    }

    @Test
    void refuses_two_topologies_naming_both() {
        assertThatThrownBy(() -> read("redis-url", "redis://a:6379", "redis-cluster", "b:6379"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'redis-url'").hasMessageContaining("'redis-cluster'").hasMessageContaining("exactly one");
    }

    @Test
    void needs_the_master_name_with_sentinels_and_sentinels_with_the_master_name() {
        assertThatThrownBy(() -> read("redis-sentinels", "s1:26379"))
                .hasMessageContaining("'redis-sentinel-master'").hasMessageContaining("(not set)");
        assertThatThrownBy(() -> read("redis-sentinel-master", "mymaster", "redis-url", "redis://a"))
                .hasMessageContaining("'redis-sentinel-master'").hasMessageContaining("only together with redis-sentinels");
    }

    @Test
    void pipelines_unless_told_not_to_and_names_the_accepted_values() {
        assertThat(read("redis-url", "redis://a:6379").pipelining()).isTrue();
        assertThat(read("redis-url", "redis://a:6379", "pipelining", "false").pipelining()).isFalse();
        assertThat(read("redis-url", "redis://a:6379", "pipelining", "false"))
                .isNotEqualTo(read("redis-url", "redis://a:6379"));
        assertThatThrownBy(() -> read("redis-url", "redis://a:6379", "pipelining", "sometimes"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'pipelining'").hasMessageContaining("'true' or 'false'");
    }

    @Test
    void refuses_a_node_without_port() {
        assertThatThrownBy(() -> read("redis-cluster", "n1:6379, n2"))
                .hasMessageContaining("'redis-cluster'").hasMessageContaining("host:port");
    }

    @Test
    void keeps_the_url_fallback_order_param_then_property_then_environment() {
        assertThat(read(Map.of("REDIS_URL", "redis://from-env:1")).host()).isEqualTo("from-env");
        assertThat(read(Map.of("REDIS_URL", "redis://from-env:1"), "redis-url", "redis://from-param:1").host())
                .isEqualTo("from-param");
        assertThat(read(Map.of())).isNull();
    }

    @Test
    void reads_the_password_from_a_file_without_its_trailing_newline() {
        String file = Topologies.secretFile("pa:ss@word").toString();
        RedisSettings s = read("redis-url", "redis://cache:6379", "redis-user", "app", "redis-password-file", file);
        assertThat(s.user()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("pa:ss@word");
        assertThat(s.toString()).doesNotContain("pa:ss");
    }

    @Test
    void reads_the_password_from_the_named_variable_and_says_when_it_is_unset() {
        RedisSettings s = read(Map.of("REDIS_PW", "secret"), "redis-cluster", "n1:1", "redis-password-env", "REDIS_PW");
        assertThat(s.password()).isEqualTo("secret");
        assertThatThrownBy(() -> read("redis-url", "redis://a", "redis-password-env", "REDIS_PW"))
                .hasMessageContaining("'redis-password-env'").hasMessageContaining("'REDIS_PW'").hasMessageContaining("not set");
        assertThatThrownBy(() -> read("redis-url", "redis://a", "redis-password-env", "hunter2!"))
                .hasMessageContaining("never the secret itself");
    }

    @Test
    void refuses_a_password_from_both_env_and_file_or_next_to_url_credentials() {
        String file = Topologies.secretFile("x").toString();
        assertThatThrownBy(() -> read(Map.of("P", "y"), "redis-url", "redis://a", "redis-password-env", "P", "redis-password-file", file))
                .hasMessageContaining("either redis-password-env or redis-password-file");
        assertThatThrownBy(() -> read("redis-url", "redis://u:p@a", "redis-user", "other"))
                .hasMessageContaining("'redis-user'").hasMessageContaining("already has user info")
                .hasMessageNotContaining("u:p@");
    }

    @Test
    void refuses_a_missing_password_file() {
        assertThatThrownBy(() -> read("redis-url", "redis://a", "redis-password-file", "/no/such/file"))
                .hasMessageContaining("'redis-password-file'").hasMessageContaining("/no/such/file");
    }

    @Test
    void needs_rediss_for_tls_stores_on_one_node() {
        assertThatThrownBy(() -> read("redis-url", "redis://a", "redis-truststore", "/x.p12"))
                .hasMessageContaining("'redis-truststore'").hasMessageContaining("rediss://");
    }

    @Test
    void refuses_a_missing_trust_store_file() {
        assertThatThrownBy(() -> read("redis-url", "rediss://a", "redis-truststore", "/no/trust.p12"))
                .hasMessageContaining("'redis-truststore'").hasMessageContaining("no such readable file");
    }

    @Test
    void refuses_credentials_and_tls_without_any_redis() {
        assertThatThrownBy(() -> read("redis-user", "app"))
                .hasMessageContaining("'redis-user'").hasMessageContaining("set redis-url, redis-sentinels or redis-cluster");
    }

    @Test
    void shares_a_pool_only_between_equal_settings() {
        assertThat(read("redis-cluster", "n1:1,n2:2")).isEqualTo(read("redis-cluster", "n1:1, n2:2"))
                .isNotEqualTo(read("redis-cluster", "n1:1"));
    }
}
