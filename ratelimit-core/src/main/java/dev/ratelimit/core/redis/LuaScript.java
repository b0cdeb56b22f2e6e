package dev.ratelimit.core.redis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script from the classpath, run with EVALSHA. The SHA-1 is computed locally once; when Redis
 * does not know the script (first call, restart, SCRIPT FLUSH, failover) it answers NOSCRIPT without
 * running the call, and an EVAL runs the call and loads the script again. This class is the one place
 * that knows it: {@link #run} for a lone call, {@link PipelineRound} for calls sent as one pipeline.
 */
final class LuaScript {

    private final String name;
    private final String source;
    private final String sha1;

    private LuaScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha1 = sha1Hex(source);
    }

    static LuaScript load(String resource) {
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing script on the classpath: " + resource);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
            return new LuaScript(resource, new String(out.toByteArray(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read script " + resource, e);
        }
    }

    /** EVALSHA; when Redis forgot the script, one EVAL. */
    Object run(UnifiedJedis redis, List<String> keys, List<String> args) {
        try {
            return redis.evalsha(sha1, keys, args);
        } catch (JedisNoScriptException e) {
            return redis.eval(source, keys, args);
        }
    }

    String sha1() {
        return sha1;
    }

    @Override
    public String toString() {
        return name + " (" + sha1 + ")";
    }

    /**
     * One pipeline of script calls. The first round sends every call as EVALSHA; the calls Redis answered
     * NOSCRIPT did not run and go, all together, into one {@link #reloading()} round, where the first call
     * of each script is an EVAL that loads it for the EVALSHAs after it. A NOSCRIPT then is a failure.
     */
    static final class PipelineRound {

        /** Scripts already loaded by an EVAL in this round; null in the first round, which loads none. */
        private final Set<LuaScript> loaded;

        private PipelineRound(Set<LuaScript> loaded) {
            this.loaded = loaded;
        }

        /** It holds no state: one for every pipeline. */
        private static final PipelineRound FIRST = new PipelineRound(null);

        static PipelineRound first() {
            return FIRST;
        }

        /** The round that sends again the calls {@link #resends} picked out of this one. */
        PipelineRound reloading() {
            return new PipelineRound(new HashSet<LuaScript>());
        }

        Response<Object> send(AbstractPipeline pipeline, LuaScript script, List<String> keys, List<String> args) {
            return loaded != null && loaded.add(script) ? pipeline.eval(script.source, keys, args)
                    : pipeline.evalsha(script.sha1, keys, args);
        }

        /** Whether the call that failed so goes into the reloading round: Redis forgot its script, it did not run. */
        boolean resends(JedisException reply) {
            return loaded == null && reply instanceof JedisNoScriptException;
        }
    }

    private static String sha1Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(40);
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }
}
