package dev.ratelimit.testing;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

/**
 * A TLS-only redis-server ({@code port 0}) on a free loopback port, with certificates from
 * {@link TestCertificates}; it requires a client certificate signed by the same CA. Skips the calling test
 * when the binary was built without TLS (the embedded-redis binary).
 */
public final class TestRedisTls implements AutoCloseable {

    private final TestCertificates certificates;
    private final RedisProcess server;

    private TestRedisTls(TestCertificates certificates, RedisProcess server) {
        this.certificates = certificates;
        this.server = server;
    }

    public static TestRedisTls start() {
        TestCertificates certificates = TestCertificates.generate();
        int port = TestRedis.freePort();
        RedisProcess server = RedisProcess.spawn("tls-" + port, port, certificates.dir(), null, List.of(
                "--port", "0", "--tls-port", String.valueOf(port),
                "--tls-cert-file", certificates.serverCertificate().toString(),
                "--tls-key-file", certificates.serverKey().toString(),
                "--tls-ca-cert-file", certificates.caCertificate().toString(),
                "--tls-auth-clients", "yes"));
        try {
            server.awaitLog("Ready to accept connections", Duration.ofSeconds(10));
        } catch (IllegalStateException e) {
            server.close();
            String log = e.getMessage();
            Assumptions.assumeFalse(log.contains("Bad directive") || log.contains("not supported") || log.contains("without TLS"),
                    "redis-server " + RedisBinaries.server() + " was built without TLS: " + e.getMessage());
            throw e;
        }
        System.out.println("[test-redis] TLS-only server on 127.0.0.1:" + port + " (" + RedisBinaries.server() + ")");
        return new TestRedisTls(certificates, server);
    }

    public int port() {
        return server.port();
    }

    /** {@code rediss://127.0.0.1:port}. */
    public String url() {
        return "rediss://127.0.0.1:" + port();
    }

    public TestCertificates certificates() {
        return certificates;
    }

    @Override
    public void close() {
        server.close();
    }
}
