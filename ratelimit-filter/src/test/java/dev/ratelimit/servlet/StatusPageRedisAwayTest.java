package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.StatusPageApp.ADMIN;
import static dev.ratelimit.servlet.StatusPageApp.ADMIN_PASSWORD;
import static dev.ratelimit.servlet.StatusPageApp.STATUS;
import static dev.ratelimit.servlet.StatusPageApp.basic;
import static dev.ratelimit.servlet.StatusPageApp.token;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedisExtension;

/**
 * The status page's dry-run switch is a live override kept in Redis: with Redis gone it answers 503 saying
 * nothing changed, as the reset does, not a 500 from the control's {@link IllegalStateException}.
 */
class StatusPageRedisAwayTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static StatusPageApp apps;

    @BeforeAll
    static void start() {
        apps = new StatusPageApp(REDIS.url());
    }

    @AfterAll
    static void stop() {
        apps.close();
    }

    @Test
    void switching_dry_run_without_redis_answers_503_and_changes_nothing() {
        String token = token(apps.get("127.0.0.1", "/app" + STATUS, basic(ADMIN, ADMIN_PASSWORD)).body());
        REDIS.redis().stop();
        try {
            HttpResponse<String> refused = apps.send("127.0.0.1", "POST", "/app" + STATUS,
                    "token=" + token + "&action=dry-run&policy=key-limit&enabled=true", basic(ADMIN, ADMIN_PASSWORD));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("nothing changed");
            assertThat(apps.runtime(apps.app).control().getOverrides()).isEmpty();
        } finally {
            REDIS.redis().restart();
        }
    }
}
