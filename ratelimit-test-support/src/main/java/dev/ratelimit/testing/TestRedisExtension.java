package dev.ratelimit.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real Redis per test class: {@code @RegisterExtension static final TestRedisExtension REDIS = new TestRedisExtension();}
 */
public final class TestRedisExtension implements BeforeAllCallback, AfterAllCallback {

    private TestRedis redis;

    @Override
    public void beforeAll(ExtensionContext context) {
        redis = TestRedis.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (redis != null) {
            redis.close();
        }
    }

    public TestRedis redis() {
        if (redis == null) {
            throw new IllegalStateException("Redis is started before all tests of the class; use it from a test method");
        }
        return redis;
    }

    public String url() {
        return redis().url();
    }
}
