package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestHttp;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * Who the client is, behind a trusted proxy (the test's own 127.0.0.1), in a real Tomcat 9 against a
 * real Redis. Requests go over a raw socket where a header must be sent as several lines.
 */
class ClientAddressFilterTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static EmbeddedTomcat tomcat;
    private static final AtomicInteger APPS = new AtomicInteger();

    @BeforeAll
    static void startTomcat() {
        tomcat = new EmbeddedTomcat();
    }

    @AfterAll
    static void stopTomcat() {
        tomcat.close();
    }

    @BeforeEach
    void cleanRedis() {
        REDIS.redis().flushAll();
    }

    private static String deploy(String... keyValues) {
        Map<String, String> params = EmbeddedTomcat.filterParams(REDIS.url());
        params.put("limits", "1/1h");
        params.put("trusted-proxies", "127.0.0.0/8");
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        String path = "/clients" + APPS.incrementAndGet();
        tomcat.deploy(path, params, Map.of());
        return path;
    }

    private static int rawGet(String path, String... headerLines) {
        return TestHttp.rawGet(tomcat.port(), path, headerLines);
    }

    private static List<String> keys() {
        return Arrays.asList(REDIS.redis().command("KEYS", "ratelimit:*").split("\n"));
    }

    @Test
    void a_forged_first_forwarded_for_line_does_not_change_the_identity() {
        String app = deploy();
        assertThat(rawGet(app + "/", "X-Forwarded-For: 203.0.113.1", "X-Forwarded-For: 198.51.100.7")).isEqualTo(200);
        assertThat(rawGet(app + "/", "X-Forwarded-For: 203.0.113.2", "X-Forwarded-For: 198.51.100.7"))
                .as("the proxy's line names the same client").isEqualTo(429);
        assertThat(keys()).containsExactly("ratelimit:api:limit:*:*:*:{ip=198.51.100.7}:fw:3600000");
    }

    @Test
    void a_forwarded_for_hop_with_a_port_is_counted_as_its_address() {
        String app = deploy();
        assertThat(rawGet(app + "/", "X-Forwarded-For: 198.51.100.8:50001")).isEqualTo(200);
        assertThat(rawGet(app + "/", "X-Forwarded-For: 198.51.100.8:50002")).isEqualTo(429);
        assertThat(rawGet(app + "/", "X-Forwarded-For: 198.51.100.9:50001")).as("another client").isEqualTo(200);
    }

    @Test
    void forwarded_names_the_client_and_an_ipv6_client_is_counted_per_64_bit_network() {
        String app = deploy("client-address-header", "Forwarded");
        assertThat(rawGet(app + "/", "Forwarded: for=203.0.113.9", "Forwarded: for=\"[2001:db8:1:2::a]:443\";proto=https"))
                .isEqualTo(200);
        assertThat(rawGet(app + "/", "Forwarded: for=\"[2001:db8:1:2:ffff::b]:443\""))
                .as("another address of the same /64").isEqualTo(429);
        assertThat(rawGet(app + "/", "Forwarded: for=\"[2001:db8:1:3::a]\"")).as("another /64").isEqualTo(200);
        assertThat(keys()).containsExactlyInAnyOrder(
                "ratelimit:api:limit:*:*:*:{ip=2001%3Adb8%3A1%3A2%3A%3A/64}:fw:3600000",
                "ratelimit:api:limit:*:*:*:{ip=2001%3Adb8%3A1%3A3%3A%3A/64}:fw:3600000");
    }

    @Test
    void an_entry_the_proxy_wrote_that_is_no_address_is_its_own_client_not_the_proxy() {
        String app = deploy();
        assertThat(rawGet(app + "/", "X-Forwarded-For: client-a")).isEqualTo(200);
        assertThat(rawGet(app + "/", "X-Forwarded-For: client-b")).as("not lumped with client-a or the proxy").isEqualTo(200);
        assertThat(rawGet(app + "/", "X-Forwarded-For: client-a")).isEqualTo(429);
    }
}
