package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;

/**
 * A cheap byte filter that tells whether a range of JSON text holds a {@code "usage"} key whose value is an
 * object, so that only those events are copied and parsed.
 *
 * <p>Inside JSON strings a quote is always escaped, so the unescaped pattern {@code "usage" : {} can only be a
 * key; the parse that follows is still the judge. It jumps from quote to quote with {@link ByteBuf#indexOf},
 * which compares a word at a time, and looks closer only at a quote followed by {@code u}. Stateless.
 */
public final class UsageKeyMatcher {
    private static final byte[] KEY = {'"', 'u', 's', 'a', 'g', 'e', '"'};

    /** Whether {@code [from, to)} of {@code buf} contains a usage key with an object value. */
    public boolean matches(ByteBuf buf, int from, int to) {
        int quote = buf.indexOf(from, to, (byte) '"');
        while (quote >= 0 && quote + KEY.length < to) {
            if (isKeyAt(buf, quote)) {
                int i = skipSpaces(buf, quote + KEY.length, to);
                if (i < to && buf.getByte(i) == ':') {
                    i = skipSpaces(buf, i + 1, to);
                    if (i < to && buf.getByte(i) == '{') {
                        return true;
                    }
                }
            }
            quote = buf.indexOf(quote + 1, to, (byte) '"');
        }
        return false;
    }

    private static boolean isKeyAt(ByteBuf buf, int quote) {
        for (int k = 1; k < KEY.length; k++) {
            if (buf.getByte(quote + k) != KEY[k]) {
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
