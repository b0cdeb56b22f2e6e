package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisSettingsTest {

    @Test
    void reads_host_port_credentials_and_database() {
        RedisSettings s = RedisSettings.fromUrl("redis-url", "rediss://app:s%40cret@cache.internal:6380/2");
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
        RedisSettings s = RedisSettings.fromUrl("redis-url", "redis://localhost");
        assertThat(s.port()).isEqualTo(6379);
        assertThat(s.database()).isZero();
        assertThat(s.user()).isNull();
    }

    @Test
    void reads_a_password_without_user() {
        RedisSettings s = RedisSettings.fromUrl("redis-url", "redis://:pw@localhost:1");
        assertThat(s.user()).isNull();
        assertThat(s.password()).isEqualTo("pw");
    }

    @Test
    void rejects_other_schemes_without_echoing_the_password() {
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis-url", "http://u:secret@host"))
                .hasMessageContaining("'redis-url'").hasMessageContaining("redis://");
        assertThatThrownBy(() -> RedisSettings.fromUrl("redis-url", "redis://u:secret@host/x"))
                .hasMessageContaining("***").hasMessageNotContaining("secret");
    }
}
