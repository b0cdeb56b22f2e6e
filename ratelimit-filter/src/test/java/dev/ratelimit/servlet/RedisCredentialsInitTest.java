package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import javax.servlet.ServletException;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedisExtension;

/** Credentials Redis refuses stop the filter's init with a message naming the parameter, not its first request. */
class RedisCredentialsInitTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    @BeforeAll
    static void createUser() {
        REDIS.redis().command("ACL", "SETUSER", "limiter", "reset", "on", ">right-password", "~ratelimit:*",
                "+evalsha", "+eval", "+ping", "+time", "+get", "+set", "+pttl", "+incrby", "+decrby", "+pexpire");
    }

    private static Map<String, String> params(String password) throws IOException {
        Path file = Files.createTempFile("redis-password", ".txt");
        Files.writeString(file, password + "\n");
        file.toFile().deleteOnExit();
        return Map.of("limits", "10/1s", "redis-url", REDIS.url(), "redis-user", "limiter",
                "redis-password-file", file.toString());
    }

    @Test
    void fails_init_on_a_wrong_password_naming_the_parameter() throws IOException {
        Map<String, String> params = params("wrong-password");
        assertThatThrownBy(() -> new RateLimitFilter().init(FilterInitTest.config(params)))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Rate-limit filter 'limit': Invalid value '" + params.get("redis-password-file")
                        + "' for parameter 'redis-password-file': ")
                .hasMessageContaining("refused the credentials of user 'limiter'")
                .hasMessageNotContaining("wrong-password");
    }

    @Test
    void starts_with_the_right_password_authenticated_as_the_user() throws Exception {
        RateLimitFilter filter = new RateLimitFilter();
        filter.init(FilterInitTest.config(params("right-password")));
        try {
            // init checks Redis once; that pooled connection stays open, logged in as the configured user. (Its
            // client name stays empty: this user may not run CLIENT SETNAME, and Jedis goes on without it.)
            assertThat(REDIS.redis().command("CLIENT", "LIST").lines())
                    .anySatisfy(client -> assertThat(client.split(" ")).contains("user=limiter"));
        } finally {
            filter.destroy();
        }
    }
}
