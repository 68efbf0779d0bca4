package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.ByteSearch;

/**
 * Tells whether a chat completions or completions stream ({@link OpenAiEndpoint#streamHasFinalEvent()}) ended as a
 * whole answer: it sent {@code data: [DONE]}, or a chunk whose {@code finish_reason} is set (a reason given means
 * the answer is whole, whatever follows; some servers close without {@code [DONE]}). A stream that stops before
 * either was cut short, even when its connection ended cleanly, and must not look like a success.
 *
 * <p>Each complete event is looked at in place until one of the two is seen, and none after: a short event for
 * {@code [DONE]}, a longer one at the places of its underscores, found in the pass that framed it
 * ({@link BytePlaces}), whose bytes rule out most of them before a look around the rest. Inside JSON strings a quote
 * is always escaped, so an unescaped {@code "finish_reason"} followed by a colon can only be the key. Runs on the
 * stream's event loop; the buffers it is shown stay the caller's.
 */
public final class OpenAiStreamEnd {
    /**
     * The letter of the key whose places in an event ({@link BytePlaces}) are looked at: an OpenAI chunk has few
     * ({@code system_fingerprint}, {@code finish_reason}, vLLM's {@code stop_reason}).
     */
    public static final byte LETTER = '_';
    private static final byte[] BEFORE = {'"', 'f', 'i', 'n', 'i', 's', 'h'};
    private static final byte[] AFTER = {'r', 'e', 'a', 's', 'o', 'n', '"'};
    /** {@code finish_reason}'s bytes around its underscore. */
    private static final long AROUND_UNDERSCORE = BytePlaces.wordOf("nish_rea");
    /** The key's end and a colon after it, in the five low bytes of the word after {@link #AROUND_UNDERSCORE}. */
    private static final long KEY_END_MASK = 0xFF_FFFF_FFFFL;
    private static final long KEY_END = BytePlaces.wordOf("son\":   ") & KEY_END_MASK;
    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};
    /** Longer than any framing of {@code data: [DONE]}. */
    private static final int MAX_DONE_EVENT = 32;

    private boolean complete;

    /**
     * Looks at one complete event in {@code [from, to)} of {@code buf}, whose {@link #LETTER}s are among
     * {@code places} (found in the pass that framed it, or by {@link BytePlaces#collect}).
     */
    public void onEvent(ByteBuf buf, int from, int to, BytePlaces places) {
        if (!complete) {
            complete = to - from <= MAX_DONE_EVENT ? isDone(buf, from, to) : hasFinishReason(buf, from, to, places);
        }
    }

    /** Whether the stream so far makes a whole answer. */
    public boolean complete() {
        return complete;
    }

    private static boolean isDone(ByteBuf buf, int from, int to) {
        final int bracket = ByteSearch.indexOf(buf, from, to, DONE[0]);
        return bracket >= 0 && bracket + DONE.length <= to && ByteSearch.startsWith(buf, bracket, DONE);
    }

    private static boolean hasFinishReason(ByteBuf buf, int from, int to, BytePlaces places) {
        for (int k = 0; k < places.count(); k++) {
            if (places.byteAt(k) == LETTER && mayBeFinishReason(places.around(k), places.after(k))
                    && isFinishReasonAt(buf, places.at(k), from, to)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether an underscore with the bytes {@code around} and {@code after} it ({@link BytePlaces}) may be the one of a
     * {@code finish_reason} key with a string value, a look that rules out most underscores without reading the
     * buffer: those of other words, and a key followed at once by a value that is no string
     * ({@code "finish_reason":null}, in every chunk but the last). When it says yes, {@link #isFinishReasonAt}
     * decides. Unknown bytes (0) may be.
     */
    private static boolean mayBeFinishReason(long around, long after) {
        if (around == 0) {
            return true;
        }
        if (around != AROUND_UNDERSCORE) {
            return false;
        }
        final int value = BytePlaces.byteOf(after, 5);
        return (after & KEY_END_MASK) != KEY_END || value == '"' || ByteSearch.isJsonSpace(value);
    }

    /**
     * Whether the underscore at {@code underscore} in {@code [from, to)} of {@code buf} is the one of a
     * {@code finish_reason} key whose value is a string.
     */
    private static boolean isFinishReasonAt(ByteBuf buf, int underscore, int from, int to) {
        if (underscore - BEFORE.length < from || underscore + AFTER.length >= to
                || !ByteSearch.startsWith(buf, underscore - BEFORE.length, BEFORE)
                || !ByteSearch.startsWith(buf, underscore + 1, AFTER)) {
            return false;
        }
        int i = ByteSearch.skipJsonSpaces(buf, underscore + 1 + AFTER.length, to);
        if (i < to && buf.getByte(i) == ':') {
            i = ByteSearch.skipJsonSpaces(buf, i + 1, to);
            // A string is a reason; null is not (another choice may still have one).
            return i < to && buf.getByte(i) == '"';
        }
        return false;
    }
}
