package dev.ratelimit.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

    /**
     * A GET written by hand over a socket, each header line exactly as given and in order (e.g. one
     * header sent as two lines, which {@link HttpClient} would not do); returns the status code.
     */
    public static int rawGet(int port, String pathAndQuery, String... headerLines) {
        StringBuilder request = new StringBuilder("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return Integer.parseInt(response.substring(response.indexOf(' ') + 1, response.indexOf(' ') + 4));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
