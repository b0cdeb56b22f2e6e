package dev.ratelimit.core.webhook;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.ratelimit.core.ConfigurationException;

/** The HMACs a signature may use. */
public enum HmacAlgorithm {

    HMAC_SHA256("HmacSHA256", "sha256="),
    HMAC_SHA512("HmacSHA512", "sha512=");

    public static final String ACCEPTED = "'hmac-sha256' or 'hmac-sha512'";

    private final String jcaName;
    private final String headerPrefix;

    HmacAlgorithm(String jcaName, String headerPrefix) {
        this.jcaName = jcaName;
        this.headerPrefix = headerPrefix;
    }

    public static HmacAlgorithm parse(String parameter, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(parameter, value, ACCEPTED);
        }
    }

    /** The optional prefix some senders put before the signature, e.g. {@code sha256=}. */
    String headerPrefix() {
        return headerPrefix;
    }

    SecretKeySpec key(byte[] secret) {
        return new SecretKeySpec(secret, jcaName);
    }

    /** The HMAC of the parts, in order, as if they were one byte array. */
    byte[] sign(SecretKeySpec key, byte[]... parts) {
        try {
            // Mac instances are not thread-safe and cheap to create next to the HMAC of a body.
            Mac mac = Mac.getInstance(jcaName);
            mac.init(key);
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jcaName + " is required of every JVM", e);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("Unusable webhook secret for " + jcaName, e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
