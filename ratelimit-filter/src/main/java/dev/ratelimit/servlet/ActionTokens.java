package dev.ratelimit.servlet;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token a status page's action form carries against cross-site request forgery: an HMAC-SHA256 of the
 * signed-in user's name under a secret drawn when the servlet starts. Another site can make the operator's
 * browser post, but cannot read the page to learn the token, nor compute it. A restart (new secret)
 * invalidates old pages; no session is needed. Compared in constant time.
 */
final class ActionTokens {

    private static final String ALGORITHM = "HmacSHA256";

    private final byte[] secret = new byte[32];

    ActionTokens() {
        new SecureRandom().nextBytes(secret);
    }

    String tokenFor(String user) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            byte[] digest = mac.doFinal(("ratelimit-status-action\n" + user).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }

    boolean isValid(String user, String token) {
        if (user == null || token == null) {
            return false;
        }
        return MessageDigest.isEqual(tokenFor(user).getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.UTF_8));
    }
}
