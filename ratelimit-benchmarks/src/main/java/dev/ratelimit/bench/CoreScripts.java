package dev.ratelimit.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The engine's Lua scripts, read from the ratelimit-core jar exactly as it ships them. */
final class CoreScripts {

    private CoreScripts() {
    }

    static String source(String algorithm) {
        String resource = "/dev/ratelimit/core/redis/lua/" + algorithm + ".lua";
        try (InputStream in = CoreScripts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Not on the classpath: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
