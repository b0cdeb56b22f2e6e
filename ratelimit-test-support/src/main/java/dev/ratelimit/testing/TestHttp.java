package dev.ratelimit.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** HTTP/1.1 requests to a server the test started on {@code 127.0.0.1}; headers as name, value pairs. */
public final class TestHttp {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private TestHttp() {
    }

    public static HttpResponse<String> get(int port, String pathAndQuery, String... headers) {
        return send(port, "GET", pathAndQuery, HttpRequest.BodyPublishers.noBody(), headers);
    }

    public static HttpResponse<String> post(int port, String pathAndQuery, byte[] body, String... headers) {
        return send(port, "POST", pathAndQuery, HttpRequest.BodyPublishers.ofByteArray(body), headers);
    }

    public static HttpResponse<String> send(int port, String method, String pathAndQuery, HttpRequest.BodyPublisher body,
                                            String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).method(method, body);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
