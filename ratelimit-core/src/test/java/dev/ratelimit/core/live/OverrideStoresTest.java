package dev.ratelimit.core.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ratelimit.core.live.OverrideChange.Action;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisUrl;
import dev.ratelimit.testing.TestRedisExtension;

/** The Redis store and the in-memory one keep the same rules: the cap, expired blocks, the change log, versions. */
class OverrideStoresTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final RedisClients CLIENTS = new RedisClients();

    @AfterAll
    static void close() {
        CLIENTS.close();
    }

    @BeforeEach
    void clean() {
        REDIS.redis().flushAll();
    }

    private static OverrideStore store(String kind) {
        return kind.equals("redis")
                ? CLIENTS.overrides(RedisUrl.standalone("redis-url", REDIS.url()).timeouts(2_000, 2_000).build(), "caps")
                : new LocalOverrideStore();
    }

    private static OverrideChange change(Action action, String identity, String value) {
        return new OverrideChange(action, "api", identity, value, "here", null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "memory"})
    void refuses_a_new_identity_entry_beyond_the_cap_but_updates_and_clears_at_it(String kind) {
        try (OverrideStore store = store(kind)) {
            assertThat(store.apply(change(Action.SET_IDENTITY_LIMITS, "user=a", "5/1m"), 3)).isEqualTo(1);
            assertThat(store.apply(change(Action.SET_IDENTITY_LIMITS, "user=b", "5/1m"), 3)).isEqualTo(2);
            assertThat(store.apply(change(Action.BLOCK_IDENTITY, "user=c", "60000"), 3)).as("blocks count too").isEqualTo(3);
            assertThat(store.apply(change(Action.SET_IDENTITY_LIMITS, "user=d", "5/1m"), 3)).as("a fourth").isEqualTo(-1);
            assertThat(store.apply(change(Action.BLOCK_IDENTITY, "user=d", "60000"), 3)).isEqualTo(-1);
            assertThat(store.version()).as("a refusal changes nothing").isEqualTo(3);
            assertThat(store.apply(change(Action.SET_IDENTITY_LIMITS, "user=a", "9/1m"), 3)).as("an update").isEqualTo(4);
            assertThat(store.apply(change(Action.SET_LIMITS, null, "100/1m"), 3)).as("policy overrides are apart").isEqualTo(5);
            assertThat(store.apply(change(Action.UNBLOCK_IDENTITY, "user=c", null), 3)).isEqualTo(6);
            assertThat(store.apply(change(Action.SET_IDENTITY_LIMITS, "user=d", "5/1m"), 3)).isEqualTo(7);

            OverrideState state = store.read(0);
            assertThat(state.identities()).containsOnlyKeys("user=a api", "user=b api", "user=d api")
                    .containsEntry("user=a api", "9/1m");
            assertThat(state.policies()).containsExactly(Map.entry("limits api", "100/1m"));
            assertThat(state.blocks()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "memory"})
    void an_expired_block_neither_counts_against_the_cap_nor_stays(String kind) throws InterruptedException {
        try (OverrideStore store = store(kind)) {
            store.apply(change(Action.BLOCK_IDENTITY, "user=brief", "50"), 1);
            Thread.sleep(100);
            assertThat(store.apply(change(Action.SET_IDENTITY_LIMITS, "user=a", "5/1m"), 1)).isEqualTo(2);
            assertThat(store.read(0).blocks()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "memory"})
    void returns_the_changes_after_a_version_oldest_first_and_says_when_the_log_lost_some(String kind) {
        try (OverrideStore store = store(kind)) {
            for (int i = 1; i <= LiveOverrides.CHANGE_LOG_LENGTH + 5; i++) {
                store.apply(change(Action.SET_LIMITS, null, i + "/1m"), 10);
            }
            int last = LiveOverrides.CHANGE_LOG_LENGTH + 5;
            OverrideState recent = store.read(last - 2);
            assertThat(recent.changes()).extracting(OverrideChange::value).containsExactly((last - 1) + "/1m", last + "/1m");
            assertThat(recent.changesComplete()).isTrue();
            OverrideState old = store.read(1);
            assertThat(old.changesComplete()).as("changes 2 to 5 are no longer in the log").isFalse();
            assertThat(old.changes()).hasSize(LiveOverrides.CHANGE_LOG_LENGTH);
            assertThat(store.read(last).changes()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "memory"})
    void a_reset_announcement_is_a_version_without_a_table_change(String kind) {
        try (OverrideStore store = store(kind)) {
            assertThat(store.apply(change(Action.RESET_IDENTITY, "ip=192.0.2.1", null), 1)).isEqualTo(1);
            OverrideState state = store.read(0);
            assertThat(state.changes()).singleElement().extracting(OverrideChange::action).isEqualTo(Action.RESET_IDENTITY);
            assertThat(List.of(state.policies(), state.identities())).allSatisfy(m -> assertThat(m).isEmpty());
        }
    }

}
