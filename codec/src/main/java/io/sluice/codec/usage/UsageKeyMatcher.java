package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * A cheap byte filter that tells whether a range of JSON text holds a {@code "usage"} key whose value is an
 * object, so that only those events are copied and parsed.
 *
 * <p>Inside JSON strings a quote is always escaped, so the unescaped pattern {@code "usage" : {} can only be a
 * key; the parse that follows is still the judge. One instance per stream, reused; not thread-safe.
 */
public final class UsageKeyMatcher implements ByteProcessor {
    private static final byte[] KEY = {'"', 'u', 's', 'a', 'g', 'e', '"'};
    private static final int AFTER_KEY = KEY.length;
    private static final int AFTER_COLON = KEY.length + 1;

    private int state;

    /** Whether {@code [from, to)} of {@code buf} contains a usage key with an object value. */
    public boolean matches(ByteBuf buf, int from, int to) {
        state = 0;
        return from < to && buf.forEachByte(from, to - from, this) >= 0;
    }

    @Override
    public boolean process(byte b) {
        if (state < AFTER_KEY) {
            if (b == KEY[state]) {
                state++;
            } else {
                state = b == '"' ? 1 : 0;
            }
            return true;
        }
        if (isSpace(b)) {
            return true;
        }
        if (state == AFTER_KEY && b == ':') {
            state = AFTER_COLON;
            return true;
        }
        if (state == AFTER_COLON && b == '{') {
            return false;
        }
        state = b == '"' ? 1 : 0;
        return true;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
