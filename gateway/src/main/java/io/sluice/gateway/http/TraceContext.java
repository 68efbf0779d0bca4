package io.sluice.gateway.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A request's place in a W3C trace (Trace Context, {@code traceparent}): the client's trace when it sent a valid
 * {@code traceparent}, else a trace Sluice starts. Sluice is one hop of the trace: the backend gets a
 * {@code traceparent} with the same trace id, the client's flags and a span id of Sluice's own, so a tracing backend
 * shows the model server's work under the gateway's. The trace id is in the access line and the usage record beside
 * the request id.
 *
 * <p>Made once per request on its event loop: two random longs and one string when the client sent a trace, four
 * and one when Sluice starts it. The trace id is read out of the header when the request ends, so that an open
 * stream keeps one string for its trace, not two.
 *
 * @param fromClient  whether the client sent it (its {@code tracestate} then goes on with it)
 * @param traceparent the header for the backend
 */
public record TraceContext(boolean fromClient, String traceparent) {
    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    private static final int LENGTH = 55;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** The client's trace, when its {@code traceparent} is valid; else a new one. */
    public static TraceContext of(HttpHeaders headers) {
        final String given = headers.get(TRACEPARENT);
        return given != null && isValid(given) ? child(given) : start();
    }

    /** A new trace, sampled: Sluice logs it, so a backend that records traces may record its part too. */
    public static TraceContext start() {
        final char[] header = new char[LENGTH];
        header[0] = '0';
        header[1] = '0';
        header[2] = '-';
        randomHex(header, 3, 32);
        header[35] = '-';
        randomHex(header, 36, 16);
        header[52] = '-';
        header[53] = '0';
        header[54] = '1';
        return new TraceContext(false, new String(header));
    }

    /** The same trace and flags, with Sluice's span as the backend's parent. */
    private static TraceContext child(String given) {
        final char[] header = new char[LENGTH];
        header[0] = '0';
        header[1] = '0';
        given.getChars(2, 36, header, 2);
        randomHex(header, 36, 16);
        given.getChars(52, LENGTH, header, 52);
        return new TraceContext(true, new String(header));
    }

    /** The trace id: 32 lowercase hex digits. */
    public String traceId() {
        return traceparent.substring(3, 35);
    }

    /**
     * Version {@code 00} is exactly 55 characters; a later version (never {@code ff}) may be longer, and its first
     * 55 are read as version 00's. The ids are lowercase hex and not all zero.
     */
    static boolean isValid(String header) {
        if (header.length() < LENGTH || header.length() > LENGTH && header.charAt(LENGTH) != '-'
                || header.startsWith("00") && header.length() != LENGTH || header.startsWith("ff")) {
            return false;
        }
        return header.charAt(2) == '-' && header.charAt(35) == '-' && header.charAt(52) == '-'
                && isHex(header, 0, 2) && isHex(header, 53, 55)
                && isHex(header, 3, 35) && !isZeros(header, 3, 35)
                && isHex(header, 36, 52) && !isZeros(header, 36, 52);
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** {@code digits} random hex digits at {@code at}; never all zero (a zero id is invalid). */
    private static void randomHex(char[] out, int at, int digits) {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < digits; i += 16) {
            long bits = random.nextLong();
            for (int j = 0; j < 16; j++, bits >>>= 4) {
                out[at + i + j] = HEX[(int) (bits & 0xf)];
            }
        }
        if (out[at] == '0') {
            // A first digit that is never 0 keeps the id from being all zeros (invalid) without a second look.
            out[at] = HEX[1 + random.nextInt(15)];
        }
    }
}
