package dev.ratelimit.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One command over a fresh plain-text connection, bypassing the code under test. */
final class Resp {

    private Resp() {
    }

    static String command(String host, int port, String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return RespReader.read(socket.getInputStream());
        } catch (IOException e) {
            throw new IllegalStateException("Redis command " + String.join(" ", args) + " on port " + port + " failed", e);
        }
    }
}
