package dev.ratelimit.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads one RESP2 reply as text: arrays become their elements joined by newlines, nil becomes "(nil)". */
final class RespReader {

    private RespReader() {
    }

    static String read(InputStream in) throws IOException {
        String line = readLine(in);
        char type = line.charAt(0);
        String rest = line.substring(1);
        switch (type) {
            case '+':
            case ':':
                return rest;
            case '-':
                return "ERR:" + rest;
            case '$': {
                int length = Integer.parseInt(rest);
                if (length < 0) {
                    return "(nil)";
                }
                byte[] data = in.readNBytes(length + 2);
                return new String(data, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(rest);
                StringBuilder all = new StringBuilder();
                for (int i = 0; i < count; i++) {
                    if (i > 0) {
                        all.append('\n');
                    }
                    all.append(read(in));
                }
                return all.toString();
            }
            default:
                throw new IOException("Unexpected RESP reply: " + line);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("Connection closed");
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            previous = b;
        }
    }
}
