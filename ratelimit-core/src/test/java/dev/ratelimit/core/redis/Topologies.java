package dev.ratelimit.core.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import dev.ratelimit.core.ConfigParams;

/** Builds stores the way adapters do, from parameters, for the topology tests. */
final class Topologies {

    private Topologies() {
    }

    /** Parameters with waits generous enough for a busy CI machine, plus the given name/value pairs. */
    static Map<String, String> params(String... pairs) {
        Map<String, String> params = new HashMap<>();
        params.put(RedisParams.TIMEOUT, "2s");
        params.put(RedisParams.CONNECT_TIMEOUT, "2s");
        params.put(RedisParams.POOL_MAX_WAIT, "2s");
        for (int i = 0; i < pairs.length; i += 2) {
            params.put(pairs[i], pairs[i + 1]);
        }
        return params;
    }

    static RedisSettings settings(Map<String, String> params, Map<String, String> env) {
        return RedisParams.read(new ConfigParams(params::get), env::get);
    }

    static RedisStore open(RedisClients clients, Map<String, String> params) {
        return clients.open(settings(params, Map.of()));
    }

    static Path secretFile(String secret) {
        try {
            Path file = Files.createTempFile("redis-password", ".txt");
            Files.writeString(file, secret + "\n");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
