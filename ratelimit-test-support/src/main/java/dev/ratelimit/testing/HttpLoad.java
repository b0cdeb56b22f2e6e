package dev.ratelimit.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * A few threads sending GETs with the JDK {@link HttpClient} to loopback servers until {@link #stop}, recording
 * every answer: when it was sent, how long it took, its status and whether it carried {@code X-RateLimit-Limit}
 * (the limiter counted it). A request that gets no answer within {@link #REQUEST_TIMEOUT} is recorded with
 * status {@link #NO_ANSWER}. Times are milliseconds since the load started.
 */
public final class HttpLoad {

    /** Status recorded for a request that got no HTTP answer (timeout, connection refused). */
    public static final int NO_ANSWER = -1;
    /** Longest wait for one answer: far beyond any budget under test, so a hang shows as NO_ANSWER. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** One request: sent at {@code startMillis}, answered {@code latencyMillis} later. */
    public record Answer(int thread, long startMillis, long latencyMillis, int status, boolean counted) {
        public long endMillis() {
            return startMillis + latencyMillis;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final long origin = System.nanoTime();
    private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    /**
     * Starts {@code threads} threads; thread {@code t} sends its requests to {@code target.apply(t)}, a full URL,
     * with a header {@code X-Client: <client>} when {@code client} gives one (null: no header).
     */
    public HttpLoad(int threadCount, IntFunction<String> target, IntFunction<String> client) {
        for (int t = 0; t < threadCount; t++) {
            int n = t;
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    answers.add(send(n, target.apply(n), client.apply(n)));
                }
            }, "http-load-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private Answer send(int thread, String url, String clientId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT).GET();
        if (clientId != null) {
            request.header("X-Client", clientId);
        }
        long start = System.nanoTime();
        int status;
        boolean counted = false;
        try {
            HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            status = response.statusCode();
            counted = response.headers().firstValue("X-RateLimit-Limit").isPresent();
        } catch (IOException e) {
            status = NO_ANSWER;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
            status = NO_ANSWER;
        }
        long end = System.nanoTime();
        return new Answer(thread, millis(start), (end - start) / 1_000_000, status, counted);
    }

    private long millis(long nanos) {
        return (nanos - origin) / 1_000_000;
    }

    /** Milliseconds since the load started. */
    public long now() {
        return millis(System.nanoTime());
    }

    /**
     * Stops the threads and waits for each until {@code deadline} (each finishes the request it is in).
     *
     * @return the names of the threads still alive then: empty when nothing hung
     */
    public List<String> stop(Duration deadline) throws InterruptedException {
        running.set(false);
        long until = System.nanoTime() + deadline.toNanos();
        List<String> stuck = new ArrayList<>();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (until - System.nanoTime()) / 1_000_000));
            if (thread.isAlive()) {
                stuck.add(thread.getName());
            }
        }
        return stuck;
    }

    public List<Answer> answers() {
        return new ArrayList<>(answers);
    }

    /** Answers to requests sent in [from, to). */
    public List<Answer> sentBetween(long from, long to) {
        return answers.stream().filter(a -> a.startMillis >= from && a.startMillis < to).collect(Collectors.toList());
    }

    /** Answers per status, sorted by status. */
    public static Map<Integer, Long> perStatus(List<Answer> answers) {
        return answers.stream().collect(Collectors.groupingBy(Answer::status, TreeMap::new, Collectors.counting()));
    }

    public static long worstLatency(List<Answer> answers) {
        return answers.stream().mapToLong(Answer::latencyMillis).max().orElse(0);
    }
}
