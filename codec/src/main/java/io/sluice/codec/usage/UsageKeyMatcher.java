package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;

/**
 * A cheap byte filter that tells whether a range of JSON text holds a {@code "usage"} key whose value is an
 * object, so that only those events are copied and parsed.
 *
 * <p>Inside JSON strings a quote is always escaped, so the unescaped pattern {@code "usage" : {} can only be a
 * key; the parse that follows is still the judge. It jumps from {@code u} to {@code u} with
 * {@link ByteBuf#indexOf}, which compares a word at a time: a chunk holds a few {@code u}s but dozens of quotes,
 * and each jump has a fixed cost. Stateless.
 */
public final class UsageKeyMatcher {
    /** The key after its opening quote. */
    private static final byte[] KEY = {'u', 's', 'a', 'g', 'e', '"'};
    /** {@code "usage":{} */
    private static final int SHORTEST_MATCH = KEY.length + 3;

    /** Whether {@code [from, to)} of {@code buf} contains a usage key with an object value. */
    public boolean matches(ByteBuf buf, int from, int to) {
        if (to - from < SHORTEST_MATCH) {
            return false; // and indexOf below would search backwards from a start past its end
        }
        int u = buf.indexOf(from + 1, to, (byte) 'u');
        while (u >= 0 && u + KEY.length < to) {
            if (buf.getByte(u - 1) == '"' && isKeyAt(buf, u)) {
                int i = skipSpaces(buf, u + KEY.length, to);
                if (i < to && buf.getByte(i) == ':') {
                    i = skipSpaces(buf, i + 1, to);
                    if (i < to && buf.getByte(i) == '{') {
                        return true;
                    }
                }
            }
            u = buf.indexOf(u + 1, to, (byte) 'u');
        }
        return false;
    }

    private static boolean isKeyAt(ByteBuf buf, int u) {
        for (int k = 1; k < KEY.length; k++) {
            if (buf.getByte(u + k) != KEY[k]) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpaces(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to) {
            final byte b = buf.getByte(i);
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return i;
            }
            i++;
        }
        return i;
    }
}
