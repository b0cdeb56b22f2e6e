package dev.ratelimit.it;

import java.util.Arrays;

import dev.ratelimit.testing.TestRedis;

/**
 * The real Redis of one test class. It must run before Arquillian builds the class's WARs (their web.xml names
 * it), which happens before JUnit's {@code @BeforeAll}: so it starts on first use and the class stops it in
 * {@code @AfterAll}. Never the machine's Redis on 6379.
 */
final class ClassRedis {

    private static TestRedis redis;

    private ClassRedis() {
    }

    static synchronized TestRedis get() {
        if (redis == null) {
            redis = TestRedis.start();
        }
        return redis;
    }

    static synchronized void stop() {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }

    /** Connections the limiter opened (it names them {@code ratelimit}). */
    static long limiterConnections() {
        return Arrays.stream(get().command("CLIENT", "LIST").split("\n"))
                .filter(line -> line.contains(" name=ratelimit ")).count();
    }
}
