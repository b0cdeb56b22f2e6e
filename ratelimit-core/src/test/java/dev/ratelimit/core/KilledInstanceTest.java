package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.app.ApplicationRuntime;
import dev.ratelimit.core.metrics.MetricNames;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * An instance killed with SIGKILL while it holds permits: another JVM ({@link PermitHolderProcess}) takes
 * them on the test's real Redis and renews them; while it lives they stay taken for more than two leases
 * (renewal across processes), and once it is killed they come back within one lease (plus a margin for
 * this shared machine), counted by the lease-expirations meter of the instance that recovers them.
 */
class KilledInstanceTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final int PERMITS = 3;
    private static final long LEASE = 2_000;
    /** Slack over one lease for a busy machine: polling, a slow Redis call, a JVM pausing. */
    private static final long MARGIN = 5_000;

    @Test
    void the_permits_of_a_killed_process_come_back_within_one_lease_and_count_as_lease_expirations() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Assumptions.assumeTrue(Files.isExecutable(java), "no java launcher at " + java + " to start a second JVM");
        String policyName = "killed-" + System.nanoTime();
        Policy policy = PermitHolderProcess.policy(policyName, PERMITS, LEASE);
        Process holder = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                PermitHolderProcess.class.getName(), REDIS.url(), policyName, Integer.toString(PERMITS), Long.toString(LEASE))
                .redirectErrorStream(true).start();
        ApplicationRuntime runtime = new ApplicationRuntime();
        try {
            CompletableFuture<String> holding = CompletableFuture.supplyAsync(() -> firstLineStartingWith(holder,
                    PermitHolderProcess.HOLDING));
            assertThat(holding.get(60, TimeUnit.SECONDS)).as("the other JVM took its permits").isEqualTo(
                    PermitHolderProcess.HOLDING + " " + PERMITS);
            ConcurrencyGate gate = runtime.concurrency(policy, PermitHolderProcess.redis(REDIS.url()));

            long aliveUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5 * LEASE / 2);
            int refusals = 0;
            while (System.nanoTime() < aliveUntil) {
                assertThat(holder.isAlive()).isTrue();
                assertThat(gate.acquire(FakeRequest.from(PermitHolderProcess.CLIENT)).granted())
                        .as("taken while the other JVM renews them (refusal %d)", refusals + 1).isFalse();
                refusals++;
                Thread.sleep(100);
            }

            holder.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no release
            assertThat(holder.waitFor(20, TimeUnit.SECONDS)).isTrue();
            long killedAt = System.nanoTime();
            assertThat(holder.exitValue()).as("killed by signal 9").isEqualTo(128 + 9);

            Permit first = gate.acquire(FakeRequest.from(PermitHolderProcess.CLIENT));
            long deadline = killedAt + TimeUnit.MILLISECONDS.toNanos(LEASE + MARGIN);
            while (!first.granted() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                first = gate.acquire(FakeRequest.from(PermitHolderProcess.CLIENT));
            }
            long backAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            System.out.println("[kill-9] " + refusals + " refusals over " + (5 * LEASE / 2) + " ms while alive; permits back "
                    + backAfter + " ms after SIGKILL (lease " + LEASE + " ms)");
            assertThat(first.granted()).as("back within one lease plus %d ms", MARGIN).isTrue();
            assertThat(first.decision().expiredHolders()).isEqualTo(PERMITS);
            for (int i = 1; i < PERMITS; i++) {
                assertThat(gate.acquire(FakeRequest.from(PermitHolderProcess.CLIENT)).granted()).as("permit %d", i + 1).isTrue();
            }
            assertThat(gate.acquire(FakeRequest.from(PermitHolderProcess.CLIENT)).granted()).as("and no more").isFalse();
            assertThat(runtime.metrics().registry().meter(MetricNames.policy(policyName, MetricNames.LEASE_EXPIRATIONS))
                    .getCount()).isEqualTo(PERMITS);
        } finally {
            holder.destroyForcibly();
            runtime.release();
        }
    }

    /** Reads the process's output until a line starts with {@code prefix}; its output goes on to the test's. */
    private static String firstLineStartingWith(Process process, String prefix) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                System.out.println("[holder] " + line);
                if (line.startsWith(prefix)) {
                    drain(lines);
                    return line;
                }
            }
            return "ended without " + prefix + " (exit " + process.waitFor() + ")";
        } catch (Exception e) {
            return "could not read its output: " + e;
        }
    }

    /** Keeps reading, so the process never blocks on a full pipe. */
    private static void drain(BufferedReader lines) {
        Thread drain = new Thread(() -> {
            try {
                while (lines.readLine() != null) {
                    // discarded
                }
            } catch (Exception e) {
                // the process is gone
            }
        }, "holder-output");
        drain.setDaemon(true);
        drain.start();
    }
}
