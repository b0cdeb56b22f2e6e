package dev.ratelimit.bench;

import redis.clients.jedis.UnifiedJedis;

/** Counters read from Redis' INFO, to prove what reached Redis. */
final class RedisStats {

    private RedisStats() {
    }

    /** Calls of EVALSHA (and EVAL: a NOSCRIPT reload) since Redis started. */
    static long evalshaCalls(UnifiedJedis redis) {
        return calls(redis, "evalsha") + calls(redis, "eval");
    }

    static long calls(UnifiedJedis redis, String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        for (String line : redis.info("commandstats").split("\r?\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
            }
        }
        return 0;
    }

    /** used_cpu_sys + used_cpu_user of the Redis process (INFO cpu), in microseconds. */
    static long cpuMicros(UnifiedJedis redis) {
        double seconds = 0;
        for (String line : redis.info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return Math.round(seconds * 1e6);
    }

    static long usedMemory(UnifiedJedis redis) {
        for (String line : redis.info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("INFO memory has no used_memory");
    }
}
