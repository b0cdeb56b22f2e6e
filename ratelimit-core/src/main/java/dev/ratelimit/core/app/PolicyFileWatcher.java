package dev.ratelimit.core.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the policy file on one daemon thread every {@value #POLL_MILLIS} ms: reads it whole and compares
 * its SHA-256 with the last version seen (a policy file is a few kilobytes, and a content hash catches the
 * edits that a modification time with one- or two-second resolution, or an unchanged size, would not).
 * A new content is loaded once it has been read the same on two polls in a row, so a file an editor is
 * still writing is not taken half-written: a change is applied within about one second. Not
 * {@code WatchService}: on network and container-mounted file systems (NFS, some Docker/Kubernetes
 * volumes, ConfigMap symlink swaps) it misses changes or reports them late. A missing file is reported
 * once until it appears again.
 */
final class PolicyFileWatcher implements Runnable {

    static final long POLL_MILLIS = 500;

    private static final Logger LOG = LoggerFactory.getLogger(PolicyFileWatcher.class);

    private final Path path;
    private final LivePolicies live;
    private final Thread thread;
    /** The hash of the content last loaded (good or bad), or null after the file went missing. */
    private String loadedHash;
    /** A new content seen once, waiting to be seen again before it is loaded. */
    private String pendingHash;
    private volatile boolean running = true;

    private PolicyFileWatcher(Path path, String loadedHash, LivePolicies live, String threadName) {
        this.path = path;
        this.loadedHash = loadedHash;
        this.live = live;
        this.thread = new Thread(this, threadName);
        thread.setDaemon(true);
    }

    static PolicyFileWatcher start(Path path, String loadedHash, LivePolicies live, String threadName) {
        PolicyFileWatcher watcher = new PolicyFileWatcher(path, loadedHash, live, threadName);
        watcher.thread.start();
        return watcher;
    }

    /** The file's content, or null when it is missing, no regular file, unreadable or too large. */
    static byte[] read(Path path) {
        try {
            if (!Files.isRegularFile(path) || Files.size(path) > PolicyFile.MAX_BYTES + 1L) {
                return null;
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                poll();
            } catch (RuntimeException e) {
                LOG.warn("Policy file {}: unexpected error while checking it: {}", path, e.toString());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void poll() {
        byte[] content = read(path);
        if (content == null) {
            pendingHash = null;
            if (loadedHash != null) {
                loadedHash = null;
                live.missing();
            }
            return;
        }
        String hash = PolicyFile.hash(content);
        if (hash.equals(loadedHash)) {
            pendingHash = null;
            return;
        }
        if (!hash.equals(pendingHash)) {
            pendingHash = hash; // seen once: load it if the next poll reads the same
            return;
        }
        pendingHash = null;
        loadedHash = hash;
        live.load(content);
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    /** Stops the thread and waits for it to end (a redeploy must leave no thread behind). */
    void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
