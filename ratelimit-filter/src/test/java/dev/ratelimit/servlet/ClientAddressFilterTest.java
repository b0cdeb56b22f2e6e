package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
        Map<String, String> params = new HashMap<>();
        params.put("redis-url", REDIS.url());
        params.put("timeout", "5s");
        params.put("connect-timeout", "5s");
        params.put("pool-max-wait", "5s");
        params.put("limits", "1/1h");
        params.put("trusted-proxies", "127.0.0.0/8");
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        String path = "/clients" + APPS.incrementAndGet();
        tomcat.deploy(path, params, Map.of());
        return path;
    }

    /** Sends GET with the given header lines, in order, exactly as written; returns the status code. */
    private static int rawGet(String path, String... headerLines) throws IOException {
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), tomcat.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            String statusLine = response.substring(0, response.indexOf("\r\n"));
            return Integer.parseInt(statusLine.split(" ")[1]);
        }
    }

    private static List<String> keys() {
        return Arrays.asList(REDIS.redis().command("KEYS", "ratelimit:*").split("\n"));
    }

    @Test
    void a_forged_first_forwarded_for_line_does_not_change_the_identity() throws IOException {
        String app = deploy();
        assertThat(rawGet(app + "/", "X-Forwarded-For: 203.0.113.1", "X-Forwarded-For: 198.51.100.7")).isEqualTo(200);
        assertThat(rawGet(app + "/", "X-Forwarded-For: 203.0.113.2", "X-Forwarded-For: 198.51.100.7"))
                .as("the proxy's line names the same client").isEqualTo(429);
        assertThat(keys()).containsExactly("ratelimit:api:*:*:*:{ip=198.51.100.7}:fw:3600000");
    }

    @Test
    void a_forwarded_for_hop_with_a_port_is_counted_as_its_address() throws IOException {
        String app = deploy();
        assertThat(rawGet(app + "/", "X-Forwarded-For: 198.51.100.8:50001")).isEqualTo(200);
        assertThat(rawGet(app + "/", "X-Forwarded-For: 198.51.100.8:50002")).isEqualTo(429);
        assertThat(rawGet(app + "/", "X-Forwarded-For: 198.51.100.9:50001")).as("another client").isEqualTo(200);
    }
}
