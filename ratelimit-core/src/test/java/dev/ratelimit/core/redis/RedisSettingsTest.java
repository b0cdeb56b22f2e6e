package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.core.ConfigurationException;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedisSettingsTest {

    @Test
    void reads_host_port_credentials_and_database() {
        RedisSettings s = RedisUrl.standalone("redis-url", "rediss://app:s%40cret@cache.internal:6380/2").build();
        assertThat(s.host()).isEqualTo("cache.internal");
        assertThat(s.port()).isEqualTo(6380);
        assertThat(s.tls()).isTrue();
        assertThat(s.user()).isEqualTo("app");
        assertThat(s.password()).isEqualTo("s@cret");
        assertThat(s.database()).isEqualTo(2);
        assertThat(s.toString()).isEqualTo("rediss://app@cache.internal:6380/2").doesNotContain("cret");
    }

    @Test
    void defaults_to_port_6379_and_database_0() {
        RedisSettings s = RedisUrl.standalone("redis-url", "redis://localhost").build();
        assertThat(s.port()).isEqualTo(6379);
        assertThat(s.database()).isZero();
        assertThat(s.user()).isNull();
    }

    @Test
    void reads_a_password_without_user() {
        RedisSettings s = RedisUrl.standalone("redis-url", "redis://:pw@localhost:1").build();
        assertThat(s.user()).isNull();
        assertThat(s.password()).isEqualTo("pw");
    }

    @Test
    void rejects_other_schemes_without_echoing_the_password() {
        assertThatThrownBy(() -> RedisUrl.standalone("redis-url", "http://u:secret@host"))
                .hasMessageContaining("'redis-url'").hasMessageContaining("redis://");
        assertThatThrownBy(() -> RedisUrl.standalone("redis-url", "redis://u:secret@host/x"))
                .hasMessageContaining("***").hasMessageNotContaining("secret");
    }

    /** URL and the password in it: malformed escapes, '/', '@', '#', '?', spaces, no user, no colon. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "redis://:p%zz@host|p%zz",
            "redis://u:p%zzsecret@host:6379/0|p%zzsecret",
            "redis://u:p/a@ss@host:6379|p/a@ss",
            "redis://:p@ss@host|p@ss",
            "redis://u:pa ss word@host|pa ss word",
            "redis://u:pass#word@host|pass#word",
            "redis://u:pass?word@host|pass?word",
            "redis://u:pa:ss@host/notadb|pa:ss",
            "redis://passwordonly@host/x|passwordonly",
            "rediss://u:s3cr3t@host:port|s3cr3t",
            "rediss://u:s3cr3t@|s3cr3t",
            "http://u:s3cr3t@host|s3cr3t",
            "redis://u:s%FFcr%FEt@host|s%FFcr%FEt",
            "redis://u:p%40ss%2Fw%25rd@host:6379/db|p%40ss%2Fw%25rd",
    })
    void never_shows_the_password_of_a_url_it_refuses(String url, String password) {
        String decoded = password.replace("%40", "@").replace("%2F", "/").replace("%25", "%");
        assertThatThrownBy(() -> RedisUrl.standalone("redis-url", url)).satisfies(e -> {
            assertThat(e).isInstanceOf(ConfigurationException.class).hasMessageContaining("'redis-url'");
            assertNoSecret(e, password, decoded);
        });
        assertThatThrownBy(() -> Topologies.settings(Topologies.params(), Map.of(RedisParams.REDIS_URL_ENV, url)))
                .satisfies(e -> assertNoSecret(e, password, decoded));
    }

    static void assertNoSecret(Throwable failure, String... secrets) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            for (String secret : secrets) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
                assertThat(t.toString()).doesNotContain(secret);
                for (Throwable s : t.getSuppressed()) {
                    assertNoSecret(s, secrets);
                }
            }
        }
    }

    @Test
    void never_shows_a_password_given_in_a_node_list() {
        assertThatThrownBy(() -> RedisUrl.sentinel("redis-sentinels", "redis://:s3cr3t@s1:26379, s2:26379", "m"))
                .satisfies(e -> assertNoSecret(e, "s3cr3t")).hasMessageContaining("'redis-sentinels'");
        assertThatThrownBy(() -> RedisUrl.cluster("redis-cluster", "n1:6379,rediss://u:p@ss,w@n2:6379"))
                .satisfies(e -> assertNoSecret(e, "p@ss,w")).hasMessageContaining("'redis-cluster'");
        assertThatThrownBy(() -> Topologies.settings(Topologies.params("redis-url", "redis://a:6379",
                "redis-cluster", "rediss://u:s3cr3t@n1:6379"), Map.of()))
                .satisfies(e -> assertNoSecret(e, "s3cr3t")).hasMessageContaining("exactly one");
    }

    @Test
    void decodes_the_password_by_rfc_3986_keeping_plus_as_plus() {
        assertThat(RedisUrl.standalone("redis-url", "redis://u:a+b@host").build().password()).isEqualTo("a+b");
        assertThat(RedisUrl.standalone("redis-url", "redis://u:a%2Bb@host").build().password()).isEqualTo("a+b");
        assertThat(RedisUrl.standalone("redis-url", "redis://u:a%40b%2F%25%3A@host").build().password()).isEqualTo("a@b/%:");
        assertThat(RedisUrl.standalone("redis-url", "redis://us%2Ber:pw@host").build().user()).isEqualTo("us+er");
        assertThat(RedisUrl.standalone("redis-url", "redis://u:%C3%A9t%C3%A9@host").build().password()).isEqualTo("\u00e9t\u00e9");
    }

    @Test
    void masks_passwords_with_slashes_and_at_signs_keeping_the_user_and_host() {
        assertThat(UrlMask.mask("redis://u:p/a@ss@host:6379")).isEqualTo("redis://u:***@host:6379");
        assertThat(UrlMask.mask("redis://:p@ss@host")).isEqualTo("redis://:***@host");
        assertThat(UrlMask.mask("redis://secret@host/0")).isEqualTo("redis://***@host/0");
        assertThat(UrlMask.mask("redis://host:6379/0")).isEqualTo("redis://host:6379/0");
    }

    @Test
    void equal_values_are_equal_settings_whichever_parameter_gave_them() {
        RedisSettings fromParameter = RedisUrl.standalone("redis-url", "redis://u:pw@host:6379/0").build();
        RedisSettings fromEnvironment = RedisUrl.standalone("environment variable REDIS_URL", "redis://u:pw@host").build();
        assertThat(fromEnvironment).isEqualTo(fromParameter).hasSameHashCodeAs(fromParameter);
        assertThat(RedisUrl.standalone("redis-url", "redis://u:pw@host").pipelining(false).build()).isNotEqualTo(fromParameter);
        assertThat(RedisUrl.standalone("redis-url", "redis://u:other@host").build()).isNotEqualTo(fromParameter);
    }

    @Test
    void a_builder_builds_snapshots_that_later_changes_leave_alone() {
        RedisSettings.Builder builder = RedisUrl.standalone("redis-url", "redis://host").timeouts(7, 8);
        RedisSettings first = builder.build();
        builder.timeouts(70, 80);
        assertThat(first.timeoutMillis()).isEqualTo(7);
        assertThat(builder.build().timeoutMillis()).isEqualTo(70);
    }
}
