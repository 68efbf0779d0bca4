package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.ByteSearch;

/**
 * A cheap byte filter that tells whether a range of JSON text holds a {@code "usage"} key whose value is an
 * object, so that only those events are copied and parsed.
 *
 * <p>Inside JSON strings a quote is always escaped, so the unescaped pattern {@code "usage" : {} can only be a
 * key; the parse that follows is still the judge. It jumps from {@code g} to {@code g} with {@link ByteSearch},
 * which compares a word at a time, and looks around each for the rest of the key: each jump has a fixed cost, and
 * an OpenAI chunk holds fewer {@code g}s than any other letter of the key (its {@code u}s include
 * {@code "chat.completion.chunk"}, {@code "obfuscation"} and a fair share of the text). Stateless.
 */
public final class UsageKeyMatcher {
    /** The key after its opening quote. */
    private static final byte[] KEY = {'u', 's', 'a', 'g', 'e', '"'};
    /** Where the searched letter is in {@link #KEY}. */
    private static final int ANCHOR = 3;
    /** {@code "usage":{} */
    private static final int SHORTEST_MATCH = KEY.length + 3;
    /** The seven bytes of {@code "usage"} around its {@code g}, the eighth (a colon or a space) left out. */
    private static final long AROUND_KEY_MASK = 0x00FF_FFFF_FFFF_FFFFL;
    private static final long AROUND_KEY = BytePlaces.wordOf("\"usage\":") & AROUND_KEY_MASK;

    /** Whether {@code [from, to)} of {@code buf} contains a usage key with an object value. */
    public boolean matches(ByteBuf buf, int from, int to) {
        if (to - from < SHORTEST_MATCH) {
            return false;
        }
        // The first g that can be a key's: after the opening quote and "usa".
        int g = ByteSearch.indexOf(buf, from + 1 + ANCHOR, to, KEY[ANCHOR]);
        while (g >= 0 && g - ANCHOR + KEY.length < to) {
            if (isKeyAt(buf, g, from, to)) {
                return true;
            }
            g = ByteSearch.indexOf(buf, g + 1, to, KEY[ANCHOR]);
        }
        return false;
    }

    /**
     * Whether a {@code g} with the bytes {@code around} and {@code after} it ({@link BytePlaces}) may be the one of a
     * usage key with an object value, a look that rules out most {@code g}s without reading the buffer: those of
     * other words, and a key followed at once by a value that is no object ({@code "usage":null}). When it says yes,
     * {@link #isKeyAt} decides. Unknown bytes (0) may be.
     */
    public static boolean mayBeKey(long around, long after) {
        if (around == 0) {
            return true;
        }
        if ((around & AROUND_KEY_MASK) != AROUND_KEY) {
            return false;
        }
        final int value = BytePlaces.byteOf(after, 0);
        return BytePlaces.byteOf(around, 7) != ':' || after == 0 || value == '{' || ByteSearch.isJsonSpace(value);
    }

    /**
     * Whether the {@code g} at {@code g} in {@code [from, to)} of {@code buf} is the one of a usage key with an object
     * value, the key and its value's brace within the range: for a caller that finds the {@code g}s in a pass of its
     * own.
     */
    public boolean isKeyAt(ByteBuf buf, int g, int from, int to) {
        final int u = g - ANCHOR;
        if (u - 1 < from || u + KEY.length >= to) {
            return false;
        }
        if (buf.getByte(u - 1) == '"' && ByteSearch.startsWith(buf, u, KEY)) {
            int i = ByteSearch.skipJsonSpaces(buf, u + KEY.length, to);
            if (i < to && buf.getByte(i) == ':') {
                i = ByteSearch.skipJsonSpaces(buf, i + 1, to);
                return i < to && buf.getByte(i) == '{';
            }
        }
        return false;
    }
}
