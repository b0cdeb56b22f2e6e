package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The test's side of {@link HoldServlet}: requests sent at once and held in the application until the test releases
 * them, so what is in flight is known without timing. Waits poll with a 30 s deadline.
 */
final class HeldRequests {

    private HeldRequests() {
    }

    /** Waits (at most 30 s) until {@code count} of the requests have been answered; returns those answers. */
    static List<HttpResponse<String>> awaitAnswered(List<Future<HttpResponse<String>>> requests, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (requests.stream().filter(Future::isDone).count() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<HttpResponse<String>> answered = new ArrayList<>();
        for (Future<HttpResponse<String>> request : requests) {
            if (request.isDone()) {
                answered.add(request.get());
            }
        }
        assertThat(answered).as("requests answered while the admitted ones are held").hasSize(count);
        return answered;
    }

    /** Waits (at most 30 s) until {@code count} requests of the batch are held in the application. */
    static void awaitHeld(URL app, String batch, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (held(app, batch) != count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(held(app, batch)).as("requests of batch %s held", batch).isEqualTo(count);
    }

    /** How many requests of the batch the application holds now. */
    static int held(URL app, String batch) {
        return Integer.parseInt(Http.get(app, "held/" + batch).body());
    }

    /** Lets the batch's held requests (and later ones) end. */
    static void release(URL app, String batch) {
        assertThat(Http.get(app, "release/" + batch).statusCode()).as("release of batch %s", batch).isEqualTo(200);
    }

    /** After a failure: lets whatever the batches still hold end, so the server is not left with waiting requests. */
    static void releaseQuietly(URL app, String... batches) {
        for (String batch : batches) {
            try {
                Http.get(app, "release/" + batch);
            } catch (RuntimeException e) {
                // The test has already failed (or the application is gone): nothing more to do.
            }
        }
    }

    /** Sends {@code count} GETs of {@code hold/<batch>} at once, to {@code apps} in turn. */
    static List<Future<HttpResponse<String>>> send(ExecutorService clients, int count, String batch, URL... apps) {
        List<Future<HttpResponse<String>>> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            URL app = apps[i % apps.length];
            requests.add(clients.submit(() -> Http.get(app, "hold/" + batch)));
        }
        return requests;
    }

    /** Each request's status, in order, once all have ended (at most 30 s each). */
    static List<Integer> statuses(List<Future<HttpResponse<String>>> requests) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (Future<HttpResponse<String>> request : requests) {
            statuses.add(request.get(30, TimeUnit.SECONDS).statusCode());
        }
        return statuses;
    }
}
