package dev.ratelimit.core;

/** Whether an address literal is the machine's own: {@code 127.0.0.0/8}, {@code ::1}, or {@code ::ffff:127.x.y.z}. */
public final class LoopbackAddress {

    private LoopbackAddress() {
    }

    /**
     * @param address an IP literal, as a container's {@code getRemoteAddr()} gives it; anything else
     *                (a host name, null) is not loopback, and is never looked up
     */
    public static boolean is(String address) {
        byte[] bytes = IpAddresses.parse(address);
        if (bytes == null) {
            return false;
        }
        if (bytes.length == 4) {
            return bytes[0] == 127;
        }
        for (int i = 0; i < 15; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[15] == 1;
    }
}
