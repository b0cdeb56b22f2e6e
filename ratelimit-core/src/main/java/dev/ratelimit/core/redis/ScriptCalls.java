package dev.ratelimit.core.redis;

import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Runs the limiter's Lua scripts on one Redis client, shared by every policy on that client.
 *
 * <p>Concurrent calls are coalesced (group commit): a caller that finds no call queued and fewer than
 * {@code maxLeaders} (twice the cores, at most the pool) calls or batches on the wire sends its call directly,
 * as a plain EVALSHA. Otherwise it queues, and a queued caller that finds a place on the wire sends its own
 * call and every call queued behind it as one pipeline on one pooled connection, then hands the lead to the
 * next waiting caller. Under load, Redis then pays one read and one write per batch instead of per call,
 * which is what saturates it first. Each EVALSHA is still atomic, so no limit is ever loosened.
 *
 * <p>The places a batch may take follow the load ({@link #batchLeaders}): with {@code n} callers inside, about
 * {@code n / }{@value #TARGET_BATCH} batches, each of about {@value #TARGET_BATCH} calls, and never fewer than
 * {@value #MIN_LEADERS} nor more than {@code maxLeaders}. So when calls begin to queue, the batches on the wire
 * drop to two, each as large as the queue makes it, instead of many batches of one or two, whose hand-offs
 * cost more than they save; as more callers come, more batches go out side by side, up to the cap. While
 * nobody queues, lone calls go straight out up to the cap, as before. The rule reads two counters and
 * costs no lock.
 *
 * <p>Waiting for the batch on the wire takes the place of waiting for a pooled connection, and has the
 * same bound: a call not sent within {@code pool-max-wait} leaves the queue and fails as a timeout. Once
 * another caller has taken it into a batch, it waits for that batch's reply at most the reply budget
 * (2 × (connect-timeout + timeout): a lone call's worst case), then fails as a timeout too: whether Redis
 * ran it is unknown, so its failure mode decides; the leader's later reply for it is dropped.
 *
 * <p>A pipeline is sent again only when it provably never reached Redis (its connection could not be
 * had); once written, a broken connection fails its calls instead, since Redis may have counted them.
 * A lone call whose connection breaks at once (not a timeout) is tried once more, on a fresh connection:
 * that is what a pooled connection left over from before a Redis restart does, and the price of the
 * rare case where Redis had run it is one request counted twice (stricter, never looser). Jedis'
 * {@code timeout} bounds each read, not a whole reply; so that a reply dripped byte by byte cannot hold a
 * leader or a lone call past the same budget, the caller's reads also end at its {@link ReadDeadline}
 * ({@link DeadlineSocket} on every data connection: one node's, and a Sentinel master's or Cluster node's
 * through {@link DeadlinePools}).
 * Redis Cluster clients are never pipelined here (a pipeline does not follow MOVED redirections during
 * resharding).
 */
public final class ScriptCalls {

    /** Calls per pipeline at most; more wait for the next batch. */
    static final int MAX_BATCH = 128;

    /**
     * Calls and batches on the wire at once at most: twice the cores keeps Redis busy while leaders parse
     * replies (measured on 2 cores with 1, 2, 4 and 8 fixed: fewer leave Redis idle between batches, more
     * hardly batch; BENCHMARKS.md). Never more than the pool's connections.
     */
    static final int MAX_LEADERS = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());

    /** Batches on the wire while calls queue, at least: one being answered while the other's replies are read. */
    static final int MIN_LEADERS = 2;

    /** Calls per batch aimed at while calls queue: the callers inside divided by this is the batches allowed. */
    static final int TARGET_BATCH = 4;

    /** Waiters re-check their call this often even without a wake-up, as a guard against a lost one. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final int maxLeaders;
    private final Supplier<UnifiedJedis> redis;
    private final Runnable discardIdleConnections;
    private final long queueBudgetNanos;
    private final long replyBudgetNanos;
    private final long callBudgetMillis;
    private final LongAdder pipelinedCalls = new LongAdder();
    private final boolean pipelining;
    private final ConcurrentLinkedQueue<Call> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger leading = new AtomicInteger();
    /** Callers inside {@link #run} on the pipelining path now: sending, waiting to be sent, or waiting for a reply. */
    private final AtomicInteger callers = new AtomicInteger();
    private final AtomicInteger peakLeaders = new AtomicInteger();

    /**
     * @param queueBudgetMillis how long a call may wait to be sent ({@code pool-max-wait})
     * @param replyBudgetMillis how long a call sent by another caller may then wait for its reply
     * @param pipelining        false: every call on its own pooled connection, as Jedis does alone
     * @param poolMaxTotal      connections in the pool: no more leaders than that
     */
    ScriptCalls(Supplier<UnifiedJedis> redis, Runnable discardIdleConnections, long queueBudgetMillis,
                long replyBudgetMillis, boolean pipelining, int poolMaxTotal) {
        this.maxLeaders = Math.min(MAX_LEADERS, poolMaxTotal);
        this.redis = redis;
        this.discardIdleConnections = discardIdleConnections;
        this.queueBudgetNanos = TimeUnit.MILLISECONDS.toNanos(queueBudgetMillis);
        this.replyBudgetNanos = TimeUnit.MILLISECONDS.toNanos(replyBudgetMillis);
        this.callBudgetMillis = queueBudgetMillis + replyBudgetMillis;
        this.pipelining = pipelining;
    }

    /**
     * @throws JedisException when Redis did not answer (or answered with an error) for this call
     */
    Object run(LuaScript script, List<String> keys, List<String> args) {
        // The documented budget of one call bounds its reads too (a reply dripped byte by byte), not only its waits.
        boolean outermost = ReadDeadline.begin(callBudgetMillis);
        try {
            return runWithinDeadline(script, keys, args);
        } finally {
            if (outermost) {
                ReadDeadline.end();
            }
        }
    }

    private Object runWithinDeadline(LuaScript script, List<String> keys, List<String> args) {
        if (!pipelining || redis.get() instanceof RedisClusterClient) {
            return runAlone(script, keys, args);
        }
        callers.incrementAndGet();
        try {
            int leaders = leading.get();
            if (leaders < maxLeaders && queue.isEmpty() && leading.compareAndSet(leaders, leaders + 1)) {
                noteLeaders(leaders + 1);
                // Nobody waiting and a place on the wire: send it now, as a plain call.
                try {
                    return runAlone(script, keys, args);
                } finally {
                    leading.decrementAndGet();
                    wakeNextLeader();
                }
            }
            return queued(script, keys, args);
        } finally {
            callers.decrementAndGet();
        }
    }

    /**
     * Places on the wire a queued caller may lead a batch into when {@code callersInside} callers are inside:
     * {@code callersInside / TARGET_BATCH}, at least {@link #MIN_LEADERS}, at most {@code maxLeaders}.
     */
    int batchLeaders(int callersInside) {
        return Math.min(maxLeaders, Math.max(MIN_LEADERS, callersInside / TARGET_BATCH));
    }

    private Object queued(LuaScript script, List<String> keys, List<String> args) {
        Call call = new Call(script, keys, args);
        queue.add(call);
        long sendBy = System.nanoTime() + queueBudgetNanos;
        try {
            awaitOrLead(call, sendBy, sendBy + replyBudgetNanos);
        } finally {
            if (call.interrupted) {
                // The wait is bounded anyway; the caller's interrupt status is given back, not lost.
                Thread.currentThread().interrupt();
            }
        }
        return call.outcome();
    }

    private void awaitOrLead(Call call, long sendBy, long answerBy) {
        while (!call.isDone()) {
            long left;
            if (!call.taken) {
                int leaders = leading.get();
                if (leaders < batchLeaders(callers.get()) && leading.compareAndSet(leaders, leaders + 1)) {
                    noteLeaders(leaders + 1);
                    leadOneBatch();
                    continue;
                }
                left = sendBy - System.nanoTime();
                if (left <= 0 && queue.remove(call)) {
                    wakeNextLeader();
                    throw timeout("waited " + TimeUnit.NANOSECONDS.toMillis(queueBudgetNanos)
                            + " ms to be sent to Redis behind other calls");
                }
            } else {
                left = answerBy - System.nanoTime();
                if (left <= 0 && call.abandon()) {
                    throw timeout("sent to Redis with other calls; no reply within "
                            + TimeUnit.NANOSECONDS.toMillis(queueBudgetNanos + replyBudgetNanos)
                            + " ms (whether Redis ran it is unknown)");
                }
            }
            // Woken when a lead frees up, or (taken) when the leader has its batch's replies.
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

    private static JedisConnectionException timeout(String message) {
        return new JedisConnectionException(message, new SocketTimeoutException());
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

    /** Callers sending a call or a batch now (for tests: every place on the wire taken). */
    int leaders() {
        return leading.get();
    }

    /** The most callers that sent a call or a batch at once since this was created (for tests). */
    int peakLeaders() {
        return peakLeaders.get();
    }

    /** Places a queued caller may lead a batch into now. */
    int batchLeadersNow() {
        return batchLeaders(callers.get());
    }

    /** Callers inside now: sending, queued, or waiting for a batch's reply. */
    int callersInside() {
        return callers.get();
    }

    private void noteLeaders(int leaders) {
        if (leaders > peakLeaders.get()) {
            peakLeaders.accumulateAndGet(leaders, Math::max);
        }
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
                pipelinedCalls.add(batch.size());
                LuaScript.PipelineRound first = LuaScript.PipelineRound.first();
                List<Call> forgotten = pipeline(batch, first);
                if (!forgotten.isEmpty()) {
                    // Redis lost its scripts (restart, SCRIPT FLUSH, failover): these calls did not run.
                    pipeline(forgotten, first.reloading());
                }
            }
        } catch (RuntimeException e) {
            for (Call c : batch) {
                c.failIfOpen(e);
            }
        }
    }

    /** As {@link #onLiveConnection}, written out: a lone call is the common case, and a lambda per call would allocate. */
    private Object runAlone(LuaScript script, List<String> keys, List<String> args) {
        try {
            return script.run(redis.get(), keys, args);
        } catch (JedisConnectionException e) {
            if (isTimeout(e)) {
                throw e;
            }
            discardIdleConnections.run();
            return script.run(redis.get(), keys, args);
        }
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

    /**
     * Sends the calls as one pipeline, the way {@code round} sends script calls, and fills each one's
     * reply or failure.
     *
     * @return the calls the round says to send again (not run)
     * @throws JedisException when the pipeline broke: every call in it whose reply is missing fails
     */
    private List<Call> pipeline(List<Call> calls, LuaScript.PipelineRound round) {
        // Nothing is written before the connection is had, so a failure to get one may be retried. (A pooled
        // connection is not validated on borrow: one that died idle fails later, at sync, and is not resent.)
        AbstractPipeline pipeline = onLiveConnection(() -> redis.get().pipelined());
        List<Response<Object>> replies = new ArrayList<>(calls.size());
        boolean synced = false;
        try {
            for (Call c : calls) {
                replies.add(round.send(pipeline, c.script, c.keys, c.args));
            }
            pipeline.sync();
            synced = true;
        } catch (JedisConnectionException e) {
            // Written, perhaps run: never sent again (that could count these calls twice). The pool's idle
            // connections probably broke with this one.
            if (!isTimeout(e)) {
                discardIdleConnections.run();
            }
            throw e;
        } finally {
            close(pipeline, synced);
        }
        List<Call> resend = Collections.emptyList();
        for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            try {
                c.result(replies.get(i).get());
            } catch (JedisException e) {
                if (round.resends(e)) {
                    if (resend.isEmpty()) {
                        resend = new ArrayList<>();
                    }
                    resend.add(c);
                } else {
                    c.failIfOpen(e);
                }
            }
        }
        return resend;
    }

    /** Gives the connection back; after a failed sync (closing would read again), without a second failure. */
    private static void close(AbstractPipeline pipeline, boolean synced) {
        if (synced) {
            pipeline.close();
            return;
        }
        try {
            pipeline.close();
        } catch (RuntimeException e) {
            // the connection is broken: the pool drops it
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

        /** A field, not an AtomicBoolean per call: one object less on every queued call. */
        private static final AtomicIntegerFieldUpdater<Call> SETTLED =
                AtomicIntegerFieldUpdater.newUpdater(Call.class, "settled");

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
        /** Set once (0 to 1), by whichever comes first: the leader publishing, or the caller giving up. */
        private volatile int settled;
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

        /** Makes the outcome visible to the caller and wakes it, unless the caller has given up. */
        void publish() {
            if (reply == null && failure == null) {
                failure = new JedisConnectionException("no reply from Redis for this call");
            }
            if (SETTLED.compareAndSet(this, 0, 1)) {
                done = true;
                if (thread != Thread.currentThread()) {
                    LockSupport.unpark(thread);
                }
            }
        }

        /** The caller stops waiting; false when the outcome was published first. */
        boolean abandon() {
            return SETTLED.compareAndSet(this, 0, 1);
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
