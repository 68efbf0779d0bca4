package io.sluice.gateway.http;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The id that follows a request through logs, the backend and the usage record: the client's {@code X-Request-Id}
 * when it is a sane token, else a new random one. Odd characters are refused rather than escaped, so an id can
 * never forge a log line.
 */
public final class RequestIds {
    public static final String HEADER = "x-request-id";
    /** Where a response relayed to the client carries the backend's own request id, when it differs. */
    public static final String UPSTREAM_HEADER = "x-upstream-request-id";
    private static final int MAX_LENGTH = 128;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    public static String of(HttpHeaders headers) {
        final String given = headers.get(HEADER);
        return given != null && isSane(given) ? given : generate();
    }

    static boolean isSane(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            final char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '_' || c == '.' || c == ':')) {
                return false;
            }
        }
        return true;
    }

    /** 128 random bits as 32 hex digits. */
    public static String generate() {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final char[] out = new char[32];
        long bits = random.nextLong();
        for (int i = 0; i < 16; i++, bits >>>= 4) {
            out[i] = HEX[(int) (bits & 0xf)];
        }
        bits = random.nextLong();
        for (int i = 16; i < 32; i++, bits >>>= 4) {
            out[i] = HEX[(int) (bits & 0xf)];
        }
        return new String(out);
    }
}
