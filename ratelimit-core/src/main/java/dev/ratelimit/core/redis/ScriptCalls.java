package dev.ratelimit.core.redis;

import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Runs the limiter's Lua scripts on one Redis client, shared by every policy on that client.
 *
 * <p>Concurrent calls are coalesced (group commit): a caller that finds fewer than {@link #MAX_LEADERS}
 * batches on the wire sends its own call and every call queued behind it as one pipeline on one pooled
 * connection, then hands the lead to the next waiting caller. Alone, a caller sends its call directly,
 * as a plain EVALSHA. Under load, Redis then pays one read and one write per batch instead of per call,
 * which is what saturates it first. Each EVALSHA is still atomic, so no limit is ever loosened.
 *
 * <p>Waiting for the batch on the wire takes the place of waiting for a pooled connection, and has the
 * same bound: a call not sent within {@code pool-max-wait} leaves the queue and fails as a timeout; once
 * sent, the connect and socket timeouts bound it as they bound a lone call. Redis Cluster clients are
 * never pipelined here (a pipeline does not follow MOVED redirections during resharding).
 */
public final class ScriptCalls {

    /** Calls per pipeline at most; more wait for the next batch. */
    static final int MAX_BATCH = 128;

    /**
     * Batches on the wire at once. Up to this many concurrent callers each send their own call, as plain
     * Jedis would; beyond it calls queue and go out together. Twice the cores keeps Redis busy while
     * leaders parse replies (measured on 2 cores with 1, 2, 4 and 8: fewer leave Redis idle between
     * batches, more hardly batch; BENCHMARKS.md).
     */
    static final int MAX_LEADERS = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());

    /** Waiters re-check their call this often even without a wake-up, as a guard against a lost one. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final int maxLeaders;
    private final Supplier<UnifiedJedis> redis;
    private final Runnable discardIdleConnections;
    private final long queueBudgetNanos;
    private final LongAdder pipelinedCalls = new LongAdder();
    private final boolean pipelining;
    private final ConcurrentLinkedQueue<Call> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger leading = new AtomicInteger();

    /**
     * @param queueBudgetMillis how long a call may wait to be sent ({@code pool-max-wait})
     * @param pipelining        false: every call on its own pooled connection, as Jedis does alone
     * @param poolMaxTotal      connections in the pool: no more leaders than that
     */
    ScriptCalls(Supplier<UnifiedJedis> redis, Runnable discardIdleConnections, long queueBudgetMillis,
                boolean pipelining, int poolMaxTotal) {
        this.maxLeaders = Math.min(MAX_LEADERS, poolMaxTotal);
        this.redis = redis;
        this.discardIdleConnections = discardIdleConnections;
        this.queueBudgetNanos = TimeUnit.MILLISECONDS.toNanos(queueBudgetMillis);
        this.pipelining = pipelining;
    }

    /**
     * @throws JedisException when Redis did not answer (or answered with an error) for this call
     */
    Object run(LuaScript script, List<String> keys, List<String> args) {
        if (!pipelining || redis.get() instanceof RedisClusterClient) {
            return runAlone(script, keys, args);
        }
        int leaders = leading.get();
        if (leaders < maxLeaders && queue.isEmpty() && leading.compareAndSet(leaders, leaders + 1)) {
            // Nobody waiting and a place on the wire: send it now, as a plain call.
            try {
                return runAlone(script, keys, args);
            } finally {
                leading.decrementAndGet();
                wakeNextLeader();
            }
        }
        Call call = new Call(script, keys, args);
        queue.add(call);
        long deadline = System.nanoTime() + queueBudgetNanos;
        try {
            awaitOrLead(call, deadline);
        } finally {
            if (call.interrupted) {
                // The wait is bounded anyway; the caller's interrupt status is given back, not lost.
                Thread.currentThread().interrupt();
            }
        }
        return call.outcome();
    }

    private void awaitOrLead(Call call, long deadline) {
        while (!call.isDone()) {
            long left = MAX_PARK_NANOS;
            if (!call.taken) {
                int leaders = leading.get();
                if (leaders < maxLeaders && leading.compareAndSet(leaders, leaders + 1)) {
                    leadOneBatch();
                    continue;
                }
                left = deadline - System.nanoTime();
                if (left <= 0 && queue.remove(call)) {
                    wakeNextLeader();
                    throw new JedisConnectionException("waited " + TimeUnit.NANOSECONDS.toMillis(queueBudgetNanos)
                            + " ms to be sent to Redis behind other calls", new SocketTimeoutException());
                }
            }
            // Woken when a lead frees up, or (taken) when the leader has its batch's replies: the socket
            // timeout bounds that.
            LockSupport.parkNanos(this, Math.max(1, Math.min(left, MAX_PARK_NANOS)));
            if (Thread.interrupted()) {
                call.interrupted = true;
            }
        }
    }

    /** Sends what is queued (this caller's call, unless another leader took it) and hands the lead on. */
    private void leadOneBatch() {
        List<Call> batch = drain();
        try {
            runBatch(batch);
        } finally {
            leading.decrementAndGet();
            wakeNextLeader();
            complete(batch);
        }
    }

    private List<Call> drain() {
        List<Call> batch = new ArrayList<>(Math.min(MAX_BATCH, 16));
        for (Call c; batch.size() < MAX_BATCH && (c = queue.poll()) != null; ) {
            c.taken = true;
            batch.add(c);
        }
        return batch;
    }

    /** Calls sent as part of a pipeline of two or more, since this was created. */
    public long pipelinedCalls() {
        return pipelinedCalls.sum();
    }

    int maxLeaders() {
        return maxLeaders;
    }

    /** Calls waiting to be sent now. */
    public int queued() {
        return queue.size();
    }

    private void wakeNextLeader() {
        Call next = queue.peek();
        if (next != null) {
            LockSupport.unpark(next.thread);
        }
    }

    private static void complete(List<Call> batch) {
        for (Call c : batch) {
            c.publish();
        }
    }

    /** Fills each call's reply or failure; never throws. */
    private void runBatch(List<Call> batch) {
        if (batch.isEmpty()) {
            // Another leader took the queue between this one's check and its lead.
            return;
        }
        try {
            if (batch.size() == 1) {
                Call c = batch.get(0);
                c.result(runAlone(c.script, c.keys, c.args));
            } else {
                onLiveConnection(() -> {
                    pipeline(redis.get(), batch);
                    return null;
                });
            }
        } catch (RuntimeException e) {
            for (Call c : batch) {
                c.failIfOpen(e);
            }
        }
    }

    private Object runAlone(LuaScript script, List<String> keys, List<String> args) {
        return onLiveConnection(() -> script.run(redis.get(), keys, args));
    }

    /**
     * A connection that broke at once (reset, closed: Redis restarted) is not Redis' fault now: drop the
     * pool's idle connections, which died with it, and try once more. A timeout is not retried: that
     * would double the wait.
     */
    private <T> T onLiveConnection(Supplier<T> attempt) {
        try {
            return attempt.get();
        } catch (JedisConnectionException e) {
            if (isTimeout(e)) {
                throw e;
            }
            discardIdleConnections.run();
            return attempt.get();
        }
    }

    private void pipeline(UnifiedJedis client, List<Call> batch) {
        pipelinedCalls.add(batch.size());
        List<Response<Object>> replies = new ArrayList<>(batch.size());
        try (AbstractPipeline pipeline = client.pipelined()) {
            for (Call c : batch) {
                replies.add(pipeline.evalsha(c.script.sha1(), c.keys, c.args));
            }
            pipeline.sync();
        }
        List<Call> unknownScript = null;
        for (int i = 0; i < batch.size(); i++) {
            Call c = batch.get(i);
            try {
                c.result(replies.get(i).get());
            } catch (JedisNoScriptException e) {
                if (unknownScript == null) {
                    unknownScript = new ArrayList<>();
                }
                unknownScript.add(c);
            } catch (JedisException e) {
                c.failIfOpen(e);
            }
        }
        if (unknownScript != null) {
            // Redis lost its scripts (restart, SCRIPT FLUSH, failover): the first EVAL loads each again.
            // A failure here is these calls' alone: the rest of the batch already ran and must not be resent.
            for (Call c : unknownScript) {
                try {
                    c.result(c.script.run(client, c.keys, c.args));
                } catch (JedisException e) {
                    c.failIfOpen(e);
                }
            }
        }
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** One caller's script call; the reply is written by whichever thread sent it. */
    private static final class Call {

        final LuaScript script;
        final List<String> keys;
        final List<String> args;
        final Thread thread = Thread.currentThread();
        /** Out of the queue, in a leader's batch: its caller only waits now. */
        volatile boolean taken;
        /** Its caller was interrupted while waiting (only that caller's thread touches this). */
        boolean interrupted;
        private Object reply;
        private RuntimeException failure;
        private volatile boolean done;

        Call(LuaScript script, List<String> keys, List<String> args) {
            this.script = script;
            this.keys = keys;
            this.args = args;
        }

        void result(Object value) {
            if (failure == null) {
                reply = value;
            }
        }

        void failIfOpen(RuntimeException e) {
            if (reply == null && failure == null) {
                failure = e;
            }
        }

        /** Makes the outcome visible to the caller and wakes it. */
        void publish() {
            if (reply == null && failure == null) {
                failure = new JedisConnectionException("no reply from Redis for this call");
            }
            done = true;
            if (thread != Thread.currentThread()) {
                LockSupport.unpark(thread);
            }
        }

        boolean isDone() {
            return done;
        }

        Object outcome() {
            if (failure != null) {
                throw failure;
            }
            return reply;
        }
    }
}
