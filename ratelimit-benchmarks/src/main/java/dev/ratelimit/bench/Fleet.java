package dev.ratelimit.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.ratelimit.bench.Wrk.Clients;
import dev.ratelimit.bench.Wrk.Load;
import dev.ratelimit.core.PolicyParams;
import redis.clients.jedis.RedisClient;

/**
 * The fleet section: two application servers sharing one Redis, each an embedded Tomcat in a JVM of its own
 * ({@link TomcatProcess}: two independent limiter runtimes, as two hosts would have), under wrk against both at
 * once; exact mode and {@code prefetch=}{@value #PREFETCH}. (a) Throughput on a hot identity with a limit no run
 * reaches: two servers against one. (b) Exactness: limit {@value #LIMIT} for one identity, demand well over it
 * against both servers for {@value #EXACT_SECONDS} s (a fixed window starts at its first request, so the whole run
 * is one window): admitted (200) and limited (429) answers counted by wrk, and Redis script calls per admitted
 * request.
 */
final class Fleet {

    static final String LIMIT = "1000/1m";
    static final long LIMIT_PERMITS = 1000;
    static final int PREFETCH = 50;
    static final int EXACT_SECONDS = 5;

    private static final int SECONDS = Integer.getInteger("bench.e2e.s", 5);
    private static final int WARMUP_SECONDS = Integer.getInteger("bench.e2e.w", 8);

    private Fleet() {
    }

    static void run(String redisUrl, Path work, Report report) throws Exception {
        if (!Wrk.available()) {
            System.out.println("[bench] wrk not on PATH (Debian: apt-get install -y wrk): fleet section skipped");
            report.add("fleet", "skipped: no wrk", "-", "-", "-", "-");
            return;
        }
        Wrk wrk = new Wrk(work);
        List<String> chart = new ArrayList<>();
        String shown = null;
        String shownCount = null;
        try (RedisClient redis = BenchRedis.rawClient()) {
            for (boolean prefetch : new boolean[] {false, true}) {
                String mode = prefetch ? "prefetch=" + PREFETCH : "exact";
                String[] extra = prefetch ? new String[] {Prefetch.PARAM, String.valueOf(PREFETCH)} : new String[0];
                TomcatProcess[] pair = start(work, "fleet-" + (prefetch ? "prefetch" : "exact"), prefetch,
                        EndToEnd.filterParams(redisUrl, "fleet-" + (prefetch ? "prefetch" : "exact"), EndToEnd.LIMITS, extra));
                if (pair == null) {
                    report.add("fleet, hot identity, " + mode + ": requests/s of 2 Tomcats vs 1", Prefetch.unavailable(),
                            "-", "-", "-", "-");
                    chart.add("\"" + mode + "\" ? ?");
                } else {
                    try {
                        both(wrk, pair, WARMUP_SECONDS);
                        EndToEnd.Sample single = EndToEnd.measure(wrk, pair[0], Clients.HOT, EndToEnd.CONNECTIONS, SECONDS,
                                redis);
                        EndToEnd.print("fleet " + mode + ", 1 Tomcat", Clients.HOT, single);
                        long calls = RedisStats.evalshaCalls(redis);
                        Load[] loads = both(wrk, pair, SECONDS);
                        calls = RedisStats.evalshaCalls(redis) - calls;
                        long requests = loads[0].requests() + loads[1].requests();
                        double rps = loads[0].requestsPerSecond() + loads[1].requestsPerSecond();
                        long errors = 0;
                        for (Load l : loads) {
                            errors += l.socketErrors() + l.non2xx();
                        }
                        System.out.printf(Locale.ROOT, "[bench] wrk fleet %s, 2 Tomcats: %,.0f req/s, Redis calls/req %.3f,"
                                + " errors+non-2xx %d%n", mode, rps, calls / (double) requests, errors);
                        double one = single.load().requestsPerSecond();
                        report.add("fleet, hot identity, " + mode + ": requests/s of 2 Tomcats (" + EndToEnd.CONNECTIONS
                                        + " conn each) vs 1 (Redis calls/request " + Report.ratio(calls / (double) requests)
                                        + ", errors+non-2xx " + errors + ")", Report.perSecond(rps), Report.perSecond(one),
                                Report.ratio(rps / one), "-", "-");
                        chart.add(String.format(Locale.ROOT, "\"%s\" %.0f %.0f", mode, one, rps));
                        shown = loads[0].command();
                    } finally {
                        close(pair);
                    }
                }
                pair = start(work, "fleet-limit-" + (prefetch ? "prefetch" : "exact"), prefetch,
                        EndToEnd.filterParams(redisUrl, "fleet-limit-" + (prefetch ? "prefetch" : "exact"), LIMIT,
                                concat(extra, PolicyParams.ALGORITHM, "fixed-window")));
                if (pair == null) {
                    report.add("fleet exactness, " + mode + ": admitted of the requests to 2 Tomcats (limit " + LIMIT + ")",
                            Prefetch.unavailable(), "-", "-", "950–1000", "-");
                    continue;
                }
                try {
                    long calls = RedisStats.evalshaCalls(redis);
                    Wrk.Running a = wrk.startCounting(pair[0].port(), EndToEnd.CONNECTIONS, EXACT_SECONDS);
                    Wrk.Running b = wrk.startCounting(pair[1].port(), EndToEnd.CONNECTIONS, EXACT_SECONDS);
                    Load la = a.await();
                    Load lb = b.await();
                    calls = RedisStats.evalshaCalls(redis) - calls;
                    long admitted = la.ok() + lb.ok();
                    long limited = la.limited() + lb.limited();
                    long requests = la.requests() + lb.requests();
                    long other = requests - admitted - limited + la.socketErrors() + lb.socketErrors();
                    System.out.printf(Locale.ROOT, "[bench] wrk fleet exactness %s: %d requests, %d admitted (%d + %d), %d"
                            + " limited, %d other; %d script calls%n", mode, requests, admitted, la.ok(), lb.ok(), limited,
                            other, calls);
                    report.add("fleet exactness, " + mode + ": admitted of " + requests + " requests to 2 Tomcats (limit "
                                    + LIMIT + ", one identity, " + EXACT_SECONDS + " s; 429: " + limited + ", other: " + other
                                    + ")", String.valueOf(admitted), LIMIT_PERMITS + " (the limit)",
                            Report.ratio(admitted / (double) LIMIT_PERMITS), "950–1000",
                            Report.yesNo(admitted >= 950 && admitted <= LIMIT_PERMITS && other == 0));
                    double perAdmitted = calls / (double) Math.max(1, admitted);
                    report.add("fleet exactness, " + mode + ": Redis script calls per admitted request (" + calls
                                    + " calls)", String.format(Locale.ROOT, "%.3f", perAdmitted), "-", "-",
                            prefetch ? "<= 0.1" : "(evidence)", prefetch ? Report.yesNo(perAdmitted <= 0.1) : "-");
                    shownCount = la.command();
                } finally {
                    close(pair);
                }
            }
        }
        Charts.data(work, "fleet-rps", "mode one two", chart);
        if (shown != null) {
            report.command("fleet throughput (2 Tomcats, each in its own JVM, sharing the run's Redis; warm-up of "
                    + WARMUP_SECONDS + " s on both, then " + SECONDS + " s on one, then " + SECONDS + " s on both at once)",
                    shown + "   on each Tomcat's port at once");
        }
        if (shownCount != null) {
            report.command("fleet exactness (new scope and limit " + LIMIT + " fixed-window, no warm-up)",
                    shownCount + "   on each Tomcat's port at once");
        }
    }

    /** Two servers with the same init-params; null if prefetch is refused by this build. */
    private static TomcatProcess[] start(Path work, String name, boolean prefetch, Map<String, String> params)
            throws Exception {
        TomcatProcess a = prefetch ? EndToEnd.startPrefetching(work, name + "-a", params)
                : TomcatProcess.start(work, name + "-a", params);
        if (a == null) {
            return null;
        }
        try {
            return new TomcatProcess[] {a, TomcatProcess.start(work, name + "-b", params)};
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    private static Load[] both(Wrk wrk, TomcatProcess[] pair, int seconds) throws Exception {
        Wrk.Running a = wrk.start(pair[0].port(), Clients.HOT, EndToEnd.CONNECTIONS, seconds);
        Wrk.Running b = wrk.start(pair[1].port(), Clients.HOT, EndToEnd.CONNECTIONS, seconds);
        return new Load[] {a.await(), b.await()};
    }

    private static void close(TomcatProcess[] pair) throws InterruptedException {
        for (TomcatProcess p : pair) {
            p.close();
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
