package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.StoreCircuitBreaker;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.testing.TestRedisExtension;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The breaker's half-open permit is given back whatever the client throws: a store whose client throws
 * an Error (a broken class path, a bug) while probing must not leave the breaker half-open forever.
 */
class RedisStoreBreakerTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final long OPEN_MILLIS = 100;

    private LazyRedisClient connection;
    /** What the client does instead of answering, or null: it answers (real Redis). */
    private volatile RuntimeException failure;
    private volatile Error error;
    private StoreCircuitBreaker breaker;
    private RedisStore store;

    @BeforeEach
    void open() {
        connection = LazyRedisClient.open(RedisUrl.standalone("redis-url", REDIS.url()).timeouts(2_000, 2_000).build());
        Supplier<UnifiedJedis> client = () -> {
            if (error != null) {
                throw error;
            }
            if (failure != null) {
                throw failure;
            }
            return connection.client();
        };
        breaker = new StoreCircuitBreaker("test", 1, OPEN_MILLIS, 1);
        store = new RedisStore(client, new ScriptCalls(client, () -> { }, 20, 2 * (2_000 + 2_000), true, 8),
                "test", breaker, () -> { });
    }

    @AfterEach
    void close() {
        connection.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"acquire", "remember"})
    void an_error_thrown_by_the_client_while_probing_does_not_keep_the_breaker_half_open(String operation) throws Exception {
        Consumer<String> call = key -> {
            if (operation.equals("acquire")) {
                store.acquire(Algorithm.FIXED_WINDOW, List.of(key), Limit.parseAll("limits", "10/1m"), 1);
            } else {
                store.remember(key, 60_000);
            }
        };
        failure = new JedisConnectionException("refused");
        assertThatThrownBy(() -> call.accept("t:{a}")).isInstanceOf(StoreUnavailableException.class);
        assertThat(breaker.state()).isEqualTo("open");
        failure = null;

        error = new NoClassDefFoundError("simulated: a class the client needs is missing");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean probed = false;
        while (!probed && System.nanoTime() < until) {
            try {
                call.accept("t:{b}");
            } catch (NoClassDefFoundError e) {
                probed = true; // the half-open probe reached the client
            } catch (StoreUnavailableException e) {
                Thread.sleep(OPEN_MILLIS / 4); // still open
            }
        }
        assertThat(probed).isTrue();
        error = null;

        boolean answered = false;
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!answered && System.nanoTime() < until) {
            try {
                call.accept("t:{c}");
                answered = true;
            } catch (StoreUnavailableException e) {
                Thread.sleep(OPEN_MILLIS / 4);
            }
        }
        assertThat(answered).as("a call reached Redis again after the probe that threw").isTrue();
        assertThat(breaker.state()).isEqualTo("closed");
    }
}
