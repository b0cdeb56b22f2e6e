package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.StoreContract;
import dev.ratelimit.testing.TestCertificates;
import dev.ratelimit.testing.TestRedisTls;

/** The algorithm contract over TLS with a client certificate, and untrusted certificates failing at startup. */
class TlsStoreTest extends StoreContract {

    static final Map<String, String> ENV = Map.of("TRUST_PW", TestCertificates.PASSWORD, "KEY_PW", TestCertificates.PASSWORD);

    private static TestRedisTls redis;
    private static RedisClients clients;
    private static RedisStore store;

    static Map<String, String> tlsParams(String truststore) {
        TestCertificates certificates = redis.certificates();
        return Topologies.params(RedisParams.REDIS_URL, redis.url(),
                RedisParams.REDIS_TRUSTSTORE, truststore,
                RedisParams.REDIS_TRUSTSTORE_PASSWORD_ENV, "TRUST_PW",
                RedisParams.REDIS_KEYSTORE, certificates.clientKeystore().toString(),
                RedisParams.REDIS_KEYSTORE_PASSWORD_ENV, "KEY_PW");
    }

    @BeforeAll
    static void start() {
        redis = TestRedisTls.start();
        clients = new RedisClients();
        store = clients.open(Topologies.settings(tlsParams(redis.certificates().truststore().toString()), ENV));
    }

    @AfterAll
    static void stop() {
        if (clients != null) {
            clients.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected RateLimitStore store() {
        return store;
    }

    @Test
    void says_tls_in_its_description() {
        assertThat(store.describe()).startsWith("rediss://127.0.0.1:");
        assertThat(store.health().up()).isTrue();
    }

    @Test
    void fails_at_startup_when_the_trust_store_does_not_trust_the_server_certificate() {
        String untrusted = redis.certificates().untrustedTruststore().toString();
        try (RedisClients own = new RedisClients()) {
            assertThatThrownBy(() -> own.open(Topologies.settings(tlsParams(untrusted), ENV)))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("'redis-truststore'").hasMessageContaining(untrusted)
                    .hasMessageContaining("does not trust");
            assertThat(own.openClients()).isZero();
        }
    }

    @Test
    void fails_at_startup_when_the_jvm_trust_store_does_not_know_the_ca() {
        Map<String, String> params = Topologies.params(RedisParams.REDIS_URL, redis.url());
        try (RedisClients own = new RedisClients()) {
            assertThatThrownBy(() -> own.open(Topologies.settings(params, ENV)))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("'redis-url'").hasMessageContaining("set redis-truststore");
        }
    }

    @Test
    void fails_while_reading_parameters_when_the_key_store_password_is_wrong() {
        Map<String, String> env = new HashMap<>(ENV);
        env.put("KEY_PW", "not-the-password");
        assertThatThrownBy(() -> Topologies.settings(tlsParams(redis.certificates().truststore().toString()), env))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'redis-keystore'").hasMessageContaining("client.p12");
    }
}
