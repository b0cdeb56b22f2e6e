package dev.ratelimit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Certificates made for one test run with {@code openssl}: a CA, a Redis server
 * certificate for {@code 127.0.0.1}/{@code localhost} signed by it, a client certificate signed by it, and
 * a second CA that signed nothing (to be distrusted). Java key stores are PKCS12 with password
 * {@link #PASSWORD}. Without openssl, the calling test is skipped.
 */
public final class TestCertificates {

    public static final String PASSWORD = "changeit-test";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    public static TestCertificates generate() {
        Path openssl = RedisLauncher.findOnPath("openssl");
        Assumptions.assumeTrue(openssl != null, "TLS tests need openssl on the PATH");
        try {
            TestCertificates c = new TestCertificates(Files.createTempDirectory("test-redis-tls"));
            c.make(openssl.toString());
            return c;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void make(String openssl) throws IOException {
        Files.write(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n".getBytes(StandardCharsets.UTF_8));
        run(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=ratelimit test CA",
                "-keyout", "ca.key", "-out", "ca.crt");
        run(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=unrelated CA",
                "-keyout", "other-ca.key", "-out", "other-ca.crt");
        sign(openssl, "redis", "/CN=localhost", "server.ext");
        sign(openssl, "client", "/CN=ratelimit client", null);
        run(openssl, "pkcs12", "-export", "-in", "client.crt", "-inkey", "client.key", "-name", "client",
                "-out", "client.p12", "-passout", "pass:" + PASSWORD);
        truststore("ca.crt", "trust.p12");
        truststore("other-ca.crt", "untrusted.p12");
    }

    /** What {@code keytool -importcert} does, in process (a keytool JVM costs a second). */
    private void truststore(String certificate, String store) throws IOException {
        try (InputStream in = Files.newInputStream(dir.resolve(certificate));
             OutputStream out = Files.newOutputStream(dir.resolve(store))) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            trust.store(out, PASSWORD.toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sign(String openssl, String name, String subject, String extensions) throws IOException {
        run(openssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject, "-keyout", name + ".key", "-out", name + ".csr");
        List<String> args = new ArrayList<>(List.of(openssl, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", name + ".crt"));
        if (extensions != null) {
            args.addAll(List.of("-extfile", extensions));
        }
        run(args.toArray(new String[0]));
    }

    private void run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("certificates.log").toFile())).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n"
                        + Files.readString(dir.resolve("certificates.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** PEM files for redis-server. */
    public Path serverCertificate() {
        return dir.resolve("redis.crt");
    }

    public Path serverKey() {
        return dir.resolve("redis.key");
    }

    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    /** PKCS12 trust store with the CA that signed the server's certificate. */
    public Path truststore() {
        return dir.resolve("trust.p12");
    }

    /** PKCS12 trust store with only an unrelated CA. */
    public Path untrustedTruststore() {
        return dir.resolve("untrusted.p12");
    }

    /** PKCS12 key store with the client certificate and its key. */
    public Path clientKeystore() {
        return dir.resolve("client.p12");
    }
}
