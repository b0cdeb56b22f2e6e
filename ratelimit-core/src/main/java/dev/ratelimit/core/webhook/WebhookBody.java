package dev.ratelimit.core.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a webhook body into memory for both adapters. The buffer grows as bytes arrive and never past
 * {@code webhook-max-body}: what a client announces in {@code Content-Length} costs nothing until it
 * sends it, so many connections announcing large bodies hold only what they really sent.
 */
public final class WebhookBody {

    /** The buffer a body starts in; doubled as bytes arrive. */
    static final int FIRST_CAPACITY = 8192;

    private WebhookBody() {
    }

    /** @return the whole stream, or null as soon as it proves longer than {@code maxBytes} */
    public static byte[] readAtMost(InputStream in, long maxBytes) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        // One byte of room past the limit is enough to prove a body too long.
        int ceiling = (int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8);
        byte[] buffer = new byte[Math.min(FIRST_CAPACITY, ceiling)];
        int size = 0;
        while (true) {
            if (size == buffer.length) {
                if (size == ceiling) {
                    break;
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min(2L * size, ceiling));
            }
            int n = in.read(buffer, size, buffer.length - size);
            if (n < 0) {
                break;
            }
            size += n;
        }
        if (size > maxBytes) {
            return null;
        }
        return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
    }
}
