package dev.ratelimit.core.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.KeyLayout;
import dev.ratelimit.core.PermitDecision;
import dev.ratelimit.core.PermitStore;
import dev.ratelimit.core.StoreUnavailableException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Concurrency permits in Redis, on a {@link RedisStore}'s client, breaker and script calls (see
 * {@code permit-acquire.lua}). Renewals go out one script call per cluster slot: a single call for all
 * of them on a single Redis or Sentinel, at most {@value #MAX_RENEWALS_PER_CALL} holders each.
 */
final class RedisPermitStore implements PermitStore {

    private static final LuaScript ACQUIRE = LuaScript.load("lua/permit-acquire.lua");
    private static final LuaScript RELEASE = LuaScript.load("lua/permit-release.lua");
    private static final LuaScript RENEW = LuaScript.load("lua/permit-renew.lua");

    /** Keeps one renewal script short, so Redis serves other calls between them. */
    static final int MAX_RENEWALS_PER_CALL = 1000;

    private final RedisStore store;

    RedisPermitStore(RedisStore store) {
        this.store = store;
    }

    @Override
    public PermitDecision acquire(String key, long limit, long leaseMillis, String holder) {
        Object reply = store.call(ACQUIRE, Collections.singletonList(key),
                Arrays.asList(Long.toString(limit), Long.toString(leaseMillis), holder));
        List<?> values = list(reply, 3);
        PermitDecision decision = number(values.get(0)) == 1
                ? PermitDecision.granted(limit, number(values.get(1)), DecisionSource.REDIS)
                : PermitDecision.denied(limit, DecisionSource.REDIS);
        return decision.withExpiredHolders(number(values.get(2)));
    }

    @Override
    public boolean release(String key, String holder) {
        return number(store.call(RELEASE, Collections.singletonList(key),
                Collections.singletonList(holder))) == 1;
    }

    @Override
    public long dropIdentity(KeyLayout.IdentityKeys identity) {
        List<String> keys = new ArrayList<>();
        for (String key : store.keysMatching(identity.scanPattern())) {
            if (identity.matches(key)) {
                keys.add(key);
            }
        }
        if (!keys.isEmpty()) {
            store.reset(keys);
        }
        return keys.size();
    }

    @Override
    public int renew(Map<String, ? extends Collection<String>> holdersByKey, long leaseMillis) {
        boolean clustered = store.clustered();
        Map<Integer, List<Map.Entry<String, ? extends Collection<String>>>> bySlot = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Collection<String>> entry : holdersByKey.entrySet()) {
            if (!entry.getValue().isEmpty()) {
                int slot = clustered ? JedisClusterCRC16.getSlot(entry.getKey()) : 0;
                bySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(entry);
            }
        }
        int renewed = 0;
        for (List<Map.Entry<String, ? extends Collection<String>>> slot : bySlot.values()) {
            RenewCall call = new RenewCall(leaseMillis);
            for (Map.Entry<String, ? extends Collection<String>> entry : slot) {
                for (String holder : entry.getValue()) {
                    if (call.holders() == MAX_RENEWALS_PER_CALL) {
                        renewed += call.send(store);
                        call = new RenewCall(leaseMillis);
                    }
                    call.add(entry.getKey(), holder);
                }
            }
            renewed += call.send(store);
        }
        return renewed;
    }

    /** The KEYS and ARGV of one {@code permit-renew.lua} call, built holder by holder. */
    private static final class RenewCall {
        private final List<String> keys = new ArrayList<>();
        private final List<Integer> counts = new ArrayList<>();
        private final List<String> holders = new ArrayList<>();
        private final long leaseMillis;

        RenewCall(long leaseMillis) {
            this.leaseMillis = leaseMillis;
        }

        void add(String key, String holder) {
            int last = keys.size() - 1;
            if (last >= 0 && keys.get(last).equals(key)) {
                counts.set(last, counts.get(last) + 1);
            } else {
                keys.add(key);
                counts.add(1);
            }
            holders.add(holder);
        }

        int holders() {
            return holders.size();
        }

        int send(RedisStore store) {
            if (holders.isEmpty()) {
                return 0;
            }
            List<String> args = new ArrayList<>(1 + counts.size() + holders.size());
            args.add(Long.toString(leaseMillis));
            for (Integer count : counts) {
                args.add(count.toString());
            }
            args.addAll(holders);
            return (int) number(store.call(RENEW, keys, args));
        }
    }

    private static List<?> list(Object reply, int size) {
        if (!(reply instanceof List) || ((List<?>) reply).size() != size) {
            throw new StoreUnavailableException("Unexpected reply from Redis script: " + reply, null);
        }
        return (List<?>) reply;
    }

    private static long number(Object value) {
        if (!(value instanceof Number)) {
            throw new StoreUnavailableException("Unexpected reply from Redis script: " + value, null);
        }
        return ((Number) value).longValue();
    }
}
