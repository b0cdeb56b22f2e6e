package dev.ratelimit.core.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live overrides of an instance without Redis: in its memory, so they apply to this instance only and
 * are lost when it stops. Same rules as the Redis store: one change at a time, the cap, expired blocks dropped.
 */
public final class LocalOverrideStore implements OverrideStore {

    private final Map<String, String> policies = new LinkedHashMap<>();
    private final Map<String, String> identities = new LinkedHashMap<>();
    private final Map<String, Long> blocks = new LinkedHashMap<>();
    /** The last {@link LiveOverrides#CHANGE_LOG_LENGTH} changes, newest first, with their versions. */
    private final Deque<Object[]> log = new ArrayDeque<>();
    private long version;

    @Override
    public synchronized OverrideState read(long sinceVersion) {
        long now = System.currentTimeMillis();
        dropExpired(now);
        List<OverrideChange> changes = new ArrayList<>();
        long oldest = Long.MAX_VALUE;
        for (Object[] entry : log) {
            long v = (Long) entry[0];
            oldest = Math.min(oldest, v);
            if (v > sinceVersion) {
                changes.add(0, (OverrideChange) entry[1]);
            }
        }
        boolean complete = version == sinceVersion || oldest <= sinceVersion + 1;
        return new OverrideState(version, now, policies, identities, blocks, changes, complete);
    }

    @Override
    public synchronized long version() {
        return version;
    }

    @Override
    public synchronized long apply(OverrideChange change, int maxIdentityEntries) {
        long now = System.currentTimeMillis();
        dropExpired(now);
        OverrideChange.Action action = change.action();
        Map<String, ?> table = table(action.table());
        String field = change.fields().isEmpty() ? null : change.fields().get(0);
        boolean adding = table != null && table != policies && !table.containsKey(field);
        if ((action.op() == OverrideChange.Op.SET || action.op() == OverrideChange.Op.BLOCK) && adding
                && identities.size() + blocks.size() >= maxIdentityEntries) {
            return -1;
        }
        switch (action.op()) {
            case SET:
                ((Map<String, String>) table(action.table())).put(field, change.value());
                break;
            case BLOCK:
                blocks.put(field, now + Long.parseLong(change.value()));
                break;
            case DELETE:
                for (String f : change.fields()) {
                    table.remove(f);
                }
                break;
            default:
                break;
        }
        version++;
        log.addFirst(new Object[] {version, change});
        while (log.size() > LiveOverrides.CHANGE_LOG_LENGTH) {
            log.removeLast();
        }
        return version;
    }

    @SuppressWarnings("rawtypes")
    private Map table(OverrideChange.Table table) {
        switch (table) {
            case POLICIES:
                return policies;
            case IDENTITIES:
                return identities;
            case BLOCKS:
                return blocks;
            default:
                return null;
        }
    }

    private void dropExpired(long now) {
        for (Iterator<Long> it = blocks.values().iterator(); it.hasNext(); ) {
            if (it.next() <= now) {
                it.remove();
            }
        }
    }

    @Override
    public void watch(Runnable catchUp) {
        // Nobody else changes it: every change is applied by the instance that made it.
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public String describe() {
        return "memory (this instance only)";
    }

    @Override
    public void close() {
    }
}
