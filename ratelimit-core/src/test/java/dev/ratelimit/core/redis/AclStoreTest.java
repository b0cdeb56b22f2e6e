package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.Reservation;
import dev.ratelimit.core.StoreContract;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.live.LiveOverrides;
import dev.ratelimit.core.live.OverrideChange;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * The algorithm contract as an ACL user with only the commands the README's minimal ACL grants, a proof
 * that each of those commands is needed, and wrong credentials failing at startup.
 */
class AclStoreTest extends StoreContract {

    /** The minimal ACL exactly as the Redis guide (src/docs/redis.md, linked from README) documents it. */
    static final String README_ACL = readmeAcl();
    /** Its commands: what follows {@code -@all}. */
    static final String MINIMAL_COMMANDS = README_ACL.substring(README_ACL.indexOf("-@all ") + "-@all ".length()).trim();
    /** What administrative resets add (JMX reset / keysMatching). */
    static final String ADMIN_COMMANDS = "+scan +del";
    /** What {@code prefetch} with a sliding window adds (the store contract gives reserved permits back). */
    static final String PREFETCH_COMMANDS = "+lrem";
    /** What making live changes adds (JMX setLimits, blockIdentity, ...), as the Redis guide lists it. */
    static final String CHANGE_COMMANDS = "+hset +hdel +hlen +incr +lpush +ltrim +publish";

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static RedisClients clients;
    private static RedisStore store;

    private static String readmeAcl() {
        try {
            return Files.readAllLines(Path.of("..", "src", "docs", "redis.md")).stream()
                    .filter(line -> line.startsWith("ACL SETUSER ratelimiter ")).findFirst()
                    .orElseThrow(() -> new AssertionError("src/docs/redis.md documents no 'ACL SETUSER ratelimiter ...' line"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A user with these commands on the keys of {@code keyPattern} and the channels of the same pattern. */
    static void createUser(String name, String password, String keyPattern, String commands) {
        List<String> args = new ArrayList<>(List.of("ACL", "SETUSER", name, "reset", "on", ">" + password, keyPattern,
                "&" + keyPattern.substring(1)));
        args.addAll(Arrays.asList(commands.split(" ")));
        assertThat(REDIS.redis().command(args.toArray(new String[0]))).isEqualTo("OK");
    }

    static Map<String, String> userParams(String user, String password) {
        return Topologies.params(RedisParams.REDIS_URL, REDIS.url(), RedisParams.REDIS_USER, user,
                RedisParams.REDIS_PASSWORD_FILE, Topologies.secretFile(password).toString());
    }

    @BeforeAll
    static void connect() {
        // The contract's keys start with "test:"; the limiter's with "ratelimit:" (tested below). The contract
        // also resets counters, an administrative operation.
        createUser("ratelimiter", "s3cret-pw", "~test:*", MINIMAL_COMMANDS + " " + ADMIN_COMMANDS + " " + PREFETCH_COMMANDS);
        clients = new RedisClients();
        store = Topologies.open(clients, userParams("ratelimiter", "s3cret-pw"));
    }

    @AfterAll
    static void disconnect() {
        if (clients != null) {
            clients.close();
        }
    }

    @Override
    protected RateLimitStore store() {
        return store;
    }

    @Test
    void limits_with_the_readme_acl_and_its_key_pattern() {
        String command = README_ACL.replace("SETUSER ratelimiter ", "SETUSER readme-user ")
                .replace(">LONG-RANDOM-PASSWORD", ">pw-readme");
        assertThat(REDIS.redis().command(command.split(" "))).isEqualTo("OK");
        try (RedisClients own = new RedisClients()) {
            RedisStore readme = Topologies.open(own, userParams("readme-user", "pw-readme"));
            for (Algorithm algorithm : Algorithm.rateAlgorithms()) {
                Policy policy = Policy.builder("acl-" + algorithm).scope("acl").algorithm(algorithm)
                        .failureMode(FailureMode.CLOSED).limits(Limit.parseAll("limits", "2/1m, 10/1h")).build();
                RateLimiter limiter = new RateLimiter(policy, readme, null);
                assertThat(limiter.acquire(FakeRequest.from("10.4.0.1")).source()).isEqualTo(DecisionSource.REDIS);
                assertThat(limiter.acquire(FakeRequest.from("10.4.0.1")).allowed()).isTrue();
                assertThat(limiter.acquire(FakeRequest.from("10.4.0.1")).allowed()).isFalse();
            }
            assertThat(readme.health().up()).isTrue();
        }
    }

    @Test
    void prefetch_gives_back_with_the_minimal_acl_except_a_sliding_window_which_needs_the_guide_addition() throws IOException {
        assertThat(Files.readString(Path.of("..", "src", "docs", "redis.md")))
                .contains("add `" + PREFETCH_COMMANDS + "` for `prefetch` with `algorithm=sliding-window`");
        createUser("prefetch-minimal", "pw", "~test:*", MINIMAL_COMMANDS);
        try (RedisClients own = new RedisClients()) {
            RedisStore minimal = Topologies.open(own, userParams("prefetch-minimal", "pw"));
            for (Algorithm algorithm : Algorithm.rateAlgorithms()) {
                List<String> keys = List.of(key("acl-prefetch"));
                List<Limit> limits = limits("10/1h");
                Reservation r = minimal.reserve(algorithm, keys, limits, 1, 5, 1_000);
                assertThat(r.units()).isEqualTo(5);
                if (algorithm == Algorithm.SLIDING_WINDOW) {
                    assertThatThrownBy(() -> minimal.giveBack(algorithm, keys, limits, 1, r, 4))
                            .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("can't run this command");
                } else {
                    minimal.giveBack(algorithm, keys, limits, 1, r, 4);
                    // A token bucket forgoes the hold's second of refill: a whole token of 10/1h, for that second.
                    assertThat(minimal.acquire(algorithm, keys, limits, 1).remaining())
                            .isEqualTo(algorithm == Algorithm.TOKEN_BUCKET ? 7 : 8);
                }
            }
        }
    }

    @Test
    void the_guide_lists_the_commands_live_changes_add() throws IOException {
        String guide = Files.readString(Path.of("..", "src", "docs", "redis.md"));
        assertThat(guide).contains("add `" + CHANGE_COMMANDS + "`").contains("`" + ADMIN_COMMANDS + "`")
                .contains("&ratelimit:*");
    }

    @Test
    void needs_every_command_the_guide_adds_for_live_changes() {
        List<String> commands = Arrays.asList(CHANGE_COMMANDS.split(" "));
        List<String> needless = new ArrayList<>();
        for (String left : commands) {
            List<String> rest = new ArrayList<>(commands);
            rest.remove(left);
            String user = "changes-without-" + left.substring(1);
            createUser(user, "pw", "~test:*", MINIMAL_COMMANDS + " " + String.join(" ", rest));
            if (changes(user)) {
                needless.add(left);
            }
        }
        assertThat(needless).as("commands live changes work without").isEmpty();
        createUser("changes-all", "pw", "~test:*", MINIMAL_COMMANDS + " " + CHANGE_COMMANDS);
        assertThat(changes("changes-all")).as("with every command the guide lists").isTrue();
    }

    /** Gives an identity limits of its own, then clears them; true when both took effect and were read back. */
    private static boolean changes(String user) {
        try (RedisClients own = new RedisClients();
             RedisOverrideStore live = own.overrides(Topologies.settings(userParams(user, "pw"), Map.of()), "test")) {
            long before = live.version();
            String identity = "user=" + user;
            long set = live.apply(new OverrideChange(OverrideChange.Action.SET_IDENTITY_LIMITS, "api", identity, "5/1m",
                    "test", null), LiveOverrides.MAX_IDENTITY_OVERRIDES);
            if (set != before + 1 || live.read(0).identities().get(identity + " api") == null) {
                return false;
            }
            long cleared = live.apply(new OverrideChange(OverrideChange.Action.CLEAR_IDENTITY_LIMITS, "api", identity,
                    null, "test", null), LiveOverrides.MAX_IDENTITY_OVERRIDES);
            return cleared == set + 1 && !live.read(0).identities().containsKey(identity + " api");
        } catch (ConfigurationException | StoreUnavailableException e) {
            return false;
        }
    }

    @Test
    void resets_and_remembers_with_the_readme_additions() {
        createUser("readme-admin", "pw-admin", "~ratelimit:*", MINIMAL_COMMANDS + " " + ADMIN_COMMANDS);
        try (RedisClients own = new RedisClients()) {
            RedisStore admin = Topologies.open(own, userParams("readme-admin", "pw-admin"));
            String key = "ratelimit:webhook:*:/hook:*:{sig=" + System.nanoTime() + "}";
            assertThat(admin.remember(key, 60_000)).isTrue();
            assertThat(admin.keysMatching("ratelimit:webhook:*")).contains(key);
            admin.reset(List.of(key));
            assertThat(admin.remember(key, 60_000)).isTrue();
        }
    }

    @Test
    void needs_every_command_of_the_minimal_acl() throws InterruptedException {
        List<String> commands = Arrays.asList(MINIMAL_COMMANDS.split(" "));
        List<String> needless = new ArrayList<>();
        for (String left : commands) {
            List<String> rest = new ArrayList<>(commands);
            rest.remove(left);
            String user = "without-" + left.substring(1);
            createUser(user, "pw", "~test:*", String.join(" ", rest));
            if (works(user)) {
                needless.add(left);
            }
        }
        assertThat(needless).as("commands the limiter works without").isEmpty();
    }

    /**
     * Connects (PING), then decides twice per algorithm with scripts flushed first (EVAL, then EVALSHA),
     * and again once part of a window has passed.
     */
    private static boolean works(String user) throws InterruptedException {
        REDIS.redis().command("SCRIPT", "FLUSH");
        try (RedisClients own = new RedisClients()) {
            RedisStore probe = Topologies.open(own, userParams(user, "pw"));
            if (!probe.health().up()) {
                return false;
            }
            for (Algorithm algorithm : Algorithm.rateAlgorithms()) {
                String key = key("needs");
                probe.acquire(algorithm, List.of(key), limits("1/1m"), 1);
                if (probe.acquire(algorithm, List.of(key), limits("1/1m"), 1).allowed()) {
                    return false;
                }
            }
            // Permits of which some have left the window and some not: a sliding window forgets them only then.
            List<String> brief = new ArrayList<>();
            for (Algorithm algorithm : Algorithm.rateAlgorithms()) {
                brief.add(key("brief"));
                probe.acquire(algorithm, List.of(brief.get(brief.size() - 1)), limits("2/300ms"), 1);
            }
            Thread.sleep(200);
            for (int i = 0; i < brief.size(); i++) {
                probe.acquire(Algorithm.rateAlgorithms()[i], List.of(brief.get(i)), limits("2/300ms"), 1);
            }
            Thread.sleep(150);
            for (int i = 0; i < brief.size(); i++) {
                if (!probe.acquire(Algorithm.rateAlgorithms()[i], List.of(brief.get(i)), limits("2/300ms"), 1).allowed()) {
                    return false;
                }
            }
            return followsLiveOverrides(own, user);
        } catch (ConfigurationException | StoreUnavailableException e) {
            return false;
        }
    }

    /** Reads the live overrides (one script) and subscribes to their announcements, as every instance does at startup. */
    private static boolean followsLiveOverrides(RedisClients own, String user) throws InterruptedException {
        try (RedisOverrideStore live = own.overrides(Topologies.settings(userParams(user, "pw"), Map.of()), "test")) {
            live.read(0);
            live.watch(() -> { });
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!live.subscribed()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(20);
            }
            return true;
        }
    }

    @Test
    void fails_at_startup_on_a_wrong_password_naming_where_it_came_from() {
        try (RedisClients own = new RedisClients()) {
            Map<String, String> params = userParams("ratelimiter", "wrong");
            assertThatThrownBy(() -> Topologies.open(own, params))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("'redis-password-file'")
                    .hasMessageContaining("refused the credentials of user 'ratelimiter'")
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageNotContaining("wrong\n");
            assertThat(own.openClients()).isZero();
        }
    }

    @Test
    void fails_at_startup_when_the_user_may_not_even_ping() {
        createUser("no-ping", "pw", "~test:*", "+evalsha +eval");
        try (RedisClients own = new RedisClients()) {
            assertThatThrownBy(() -> Topologies.open(own, userParams("no-ping", "pw")))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("refused it a command the limiter needs").hasMessageContaining("NOPERM");
        }
    }

    @Test
    void reads_the_password_from_the_named_environment_variable() {
        Map<String, String> params = Topologies.params(RedisParams.REDIS_URL, REDIS.url(), RedisParams.REDIS_USER,
                "ratelimiter", RedisParams.REDIS_PASSWORD_ENV, "RATELIMIT_REDIS_PASSWORD");
        try (RedisClients own = new RedisClients()) {
            RedisStore viaEnv = own.open(Topologies.settings(params, Map.of("RATELIMIT_REDIS_PASSWORD", "s3cret-pw")));
            assertThat(viaEnv.health().up()).isTrue();
        }
    }

    @Test
    void authenticates_with_plus_at_sign_and_percent_in_the_url_password() {
        createUser("url-user", "a+b@c/d%e", "~test:*", MINIMAL_COMMANDS);
        String hostAndPort = REDIS.url().substring("redis://".length());
        for (String password : List.of("a+b%40c%2Fd%25e", "a%2Bb%40c%2Fd%25e")) {
            try (RedisClients own = new RedisClients()) {
                RedisStore store = own.open(RedisUrl.standalone("redis-url", "redis://url-user:" + password + "@" + hostAndPort)
                        .timeouts(2_000, 2_000).build());
                assertThat(store.health().up()).as(password).isTrue();
            }
        }
    }
}
