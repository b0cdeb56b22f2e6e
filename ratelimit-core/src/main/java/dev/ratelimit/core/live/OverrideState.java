package dev.ratelimit.core.live;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a store holds at one version, as read in one atomic step: the three tables ({@link OverrideChange.Table})
 * as their raw entries, the store's clock when read (block deadlines are on it), and the change records
 * newer than the version the reader already had (oldest first).
 */
public final class OverrideState {

    /** Nothing overridden: what an instance holds before its first read. */
    public static final OverrideState EMPTY = new OverrideState(0, 0, Collections.<String, String>emptyMap(),
            Collections.<String, String>emptyMap(), Collections.<String, Long>emptyMap(),
            Collections.<OverrideChange>emptyList(), false);

    private final long version;
    private final long nowMillis;
    private final Map<String, String> policies;
    private final Map<String, String> identities;
    private final Map<String, Long> blocks;
    private final List<OverrideChange> changes;
    private final boolean changesComplete;

    /**
     * @param nowMillis       the store's clock when read (epoch ms)
     * @param blocks          identity field to deadline on the store's clock (epoch ms)
     * @param changes         the change records after the reader's version, oldest first
     * @param changesComplete whether {@code changes} holds every change after the reader's version (the log is capped)
     */
    public OverrideState(long version, long nowMillis, Map<String, String> policies, Map<String, String> identities,
                         Map<String, Long> blocks, List<OverrideChange> changes, boolean changesComplete) {
        this.version = version;
        this.nowMillis = nowMillis;
        this.policies = Collections.unmodifiableMap(new LinkedHashMap<>(policies));
        this.identities = Collections.unmodifiableMap(new LinkedHashMap<>(identities));
        this.blocks = Collections.unmodifiableMap(new LinkedHashMap<>(blocks));
        this.changes = changes;
        this.changesComplete = changesComplete;
    }

    public long version() {
        return version;
    }

    public long nowMillis() {
        return nowMillis;
    }

    /** {@code limits <policy>} / {@code dry-run <policy>} to the value. */
    public Map<String, String> policies() {
        return policies;
    }

    /** {@code <identity> <policy>} to the identity's limits. */
    public Map<String, String> identities() {
        return identities;
    }

    /** {@code <identity> <policy>} to the block's deadline (epoch ms, store clock). */
    public Map<String, Long> blocks() {
        return blocks;
    }

    public List<OverrideChange> changes() {
        return changes;
    }

    public boolean changesComplete() {
        return changesComplete;
    }
}
