package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.ByteSearch;

/**
 * A cheap byte filter that tells whether a range of JSON text holds a {@code "usage"} key whose value is an
 * object, so that only those events are copied and parsed.
 *
 * <p>Inside JSON strings a quote is always escaped, so the unescaped pattern {@code "usage" : {} can only be a
 * key; the parse that follows is still the judge. It is given the places of one letter of the key, found in the
 * pass that framed the event ({@link BytePlaces}), and looks around each for the rest of the key: the bytes kept
 * with each place rule out most of them without reading the buffer again. Stateless.
 */
public final class UsageKeyMatcher {
    /** The key after its opening quote. */
    private static final byte[] KEY = {'u', 's', 'a', 'g', 'e', '"'};
    /**
     * The letter of the key whose places in an event ({@link BytePlaces}) are looked at: an OpenAI chunk holds fewer
     * {@code g}s than any other letter of the key (its {@code u}s include {@code "chat.completion.chunk"},
     * {@code "obfuscation"} and a fair share of the text).
     */
    public static final byte LETTER = 'g';
    /** Where {@link #LETTER} is in {@link #KEY}. */
    private static final int ANCHOR = 3;
    /** The seven bytes of {@code "usage"} around its {@code g}, the eighth (a colon or a space) left out. */
    private static final long AROUND_KEY_MASK = 0x00FF_FFFF_FFFF_FFFFL;
    private static final long AROUND_KEY = BytePlaces.wordOf("\"usage\":") & AROUND_KEY_MASK;

    private UsageKeyMatcher() {
    }

    /**
     * Whether one of the {@link #LETTER}s placed in an event in {@code [from, to)} of {@code buf} is the one of a usage
     * key with an object value. The places may hold other letters too, which are passed over.
     */
    public static boolean hasKey(ByteBuf buf, int from, int to, BytePlaces places) {
        for (int k = 0; k < places.count(); k++) {
            if (places.byteAt(k) == LETTER && mayBeKey(places.around(k), places.after(k))
                    && isKeyAt(buf, places.at(k), from, to)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a {@code g} with the bytes {@code around} and {@code after} it ({@link BytePlaces}) may be the one of a
     * usage key with an object value, a look that rules out most {@code g}s without reading the buffer: those of
     * other words, and a key followed at once by a value that is no object ({@code "usage":null}). When it says yes,
     * {@link #isKeyAt} decides. Unknown bytes (0) may be.
     */
    private static boolean mayBeKey(long around, long after) {
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
     * value, the key and its value's brace within the range.
     */
    static boolean isKeyAt(ByteBuf buf, int g, int from, int to) {
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
