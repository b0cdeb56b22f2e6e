package dev.ratelimit.core.redis;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

import dev.ratelimit.core.ConfigurationException;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;

/**
 * The trust store that decides which Redis certificates we believe, and the optional key store with our
 * client certificate. Both are opened once when read, so a missing file or a wrong password fails at
 * startup naming the parameter. The host name in Redis' certificate is always verified.
 */
public final class RedisTls {

    public static final String STORE_ACCEPTED = "a readable PKCS12 (.p12, .pfx) or JKS (.jks) key store file";

    private final String truststore;
    private final String truststorePassword;
    private final String keystore;
    private final String keystorePassword;
    private final String parameter;

    /**
     * @param truststore          file, or null for the JVM's default trust store
     * @param truststorePassword  null when the store has none (certificates of a PKCS12 store load without it)
     * @param keystore            file with the client certificate and key, or null
     * @param truststoreParameter names of the parameters, for messages
     */
    public RedisTls(String truststore, String truststorePassword, String truststoreParameter,
                    String keystore, String keystorePassword, String keystoreParameter) {
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
        this.keystore = keystore;
        this.keystorePassword = keystorePassword;
        this.parameter = truststore != null ? truststoreParameter : keystoreParameter;
        if (truststore != null) {
            check(truststoreParameter, truststore, truststorePassword);
        }
        if (keystore != null) {
            check(keystoreParameter, keystore, keystorePassword);
        }
    }

    private static void check(String parameter, String path, String password) {
        File file = new File(path);
        if (!file.isFile() || !file.canRead()) {
            throw new ConfigurationException(parameter, path, STORE_ACCEPTED + " (no such readable file)");
        }
        try (InputStream in = new FileInputStream(file)) {
            KeyStore store = KeyStore.getInstance(type(path));
            store.load(in, password == null ? null : password.toCharArray());
            if (store.size() == 0) {
                throw new ConfigurationException(parameter, path, STORE_ACCEPTED + " (the store is empty)");
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigurationException(parameter, path, STORE_ACCEPTED + " with its password in the"
                    + " -password-env variable (" + e.getMessage() + ")", e);
        }
    }

    static String type(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".jks")) {
            return "JKS";
        }
        return lower.endsWith(".p12") || lower.endsWith(".pfx") ? "PKCS12" : KeyStore.getDefaultType();
    }

    SslOptions sslOptions() {
        SslOptions.Builder options = SslOptions.builder().sslVerifyMode(SslVerifyMode.FULL);
        if (truststore != null) {
            options.truststore(new File(truststore), truststorePassword == null ? null : truststorePassword.toCharArray())
                    .trustStoreType(type(truststore));
        }
        if (keystore != null) {
            options.keystore(new File(keystore), keystorePassword == null ? new char[0] : keystorePassword.toCharArray())
                    .keyStoreType(type(keystore));
        }
        return options.build();
    }

    /** The parameter naming the trust store (or the key store when no trust store is set). */
    String parameter() {
        return parameter;
    }

    String shownValue() {
        return truststore != null ? truststore : keystore;
    }

    boolean hasTruststore() {
        return truststore != null;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RedisTls)) {
            return false;
        }
        RedisTls t = (RedisTls) o;
        return Objects.equals(truststore, t.truststore) && Objects.equals(truststorePassword, t.truststorePassword)
                && Objects.equals(keystore, t.keystore) && Objects.equals(keystorePassword, t.keystorePassword);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {truststore, truststorePassword, keystore, keystorePassword});
    }

    @Override
    public String toString() {
        return "truststore=" + (truststore == null ? "(JVM default)" : truststore)
                + (keystore == null ? "" : " keystore=" + keystore);
    }
}
