package dev.ratelimit.it;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** A plain HTTP client, as the application's users are: no Arquillian between the test and the server. */
final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {
    }

    /** {@code path} relative to the application's root URL, e.g. {@code api/orders}. */
    static HttpResponse<String> get(URL app, String path, String... headers) {
        return send(app, path, "GET", HttpRequest.BodyPublishers.noBody(), headers);
    }

    static HttpResponse<String> post(URL app, String path, String body, String... headers) {
        return send(app, path, "POST", HttpRequest.BodyPublishers.ofString(body), headers);
    }

    private static HttpResponse<String> send(URL app, String path, String method, HttpRequest.BodyPublisher body,
            String... headers) {
        String root = app.toExternalForm();
        URI uri = URI.create((root.endsWith("/") ? root : root + "/") + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).method(method, body);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + uri + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code requests} requests from {@code clients} concurrent threads; returns each request's status. */
    static int[] hammer(int requests, int clients, IntFunction<HttpResponse<String>> request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int n = i;
                futures.add(pool.submit(() -> request.apply(n)));
            }
            int[] statuses = new int[requests];
            for (int i = 0; i < requests; i++) {
                statuses[i] = futures.get(i).get().statusCode();
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }

    static long count(int[] statuses, int status) {
        long n = 0;
        for (int s : statuses) {
            if (s == status) {
                n++;
            }
        }
        return n;
    }
}
