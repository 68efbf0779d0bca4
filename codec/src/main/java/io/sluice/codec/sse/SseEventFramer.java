package io.sluice.codec.sse;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.sluice.codec.ByteSearch;

/**
 * Finds where Server-Sent Events end in a byte stream that arrives in arbitrary pieces.
 *
 * <p>An event ends with a blank line; lines end with LF, CRLF or a lone CR (all three are legal SSE). A CR that
 * ends a blank line is only known to end the event once the next byte shows whether an LF belongs to it, so the
 * event then ends after that LF, or before the next byte when there is none.
 *
 * <p>The framer reads with absolute indexes and never moves a reader index, so the same buffer can be forwarded
 * untouched. It keeps three flags of state between pieces and allocates nothing. One framer per stream; not
 * thread-safe.
 *
 * <p>Most streams end lines with LF only: the framer jumps from line end to line end with {@link ByteSearch},
 * which compares a word at a time for an LF or a CR at once; a line with a CR goes through the byte-by-byte state
 * machine, which knows every line ending. Each byte is looked at no more than twice.
 */
public final class SseEventFramer implements ByteProcessor {
    private boolean atLineStart = true;
    private boolean afterCr;
    private boolean blankCrSeen;
    private boolean endsBeforeStop;

    /**
     * Scans {@code buf} from {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @return the index just past the first event that completes in the range, or -1 when none does; the next
     *     scan continues from the returned index
     */
    public int nextEventEnd(ByteBuf buf, int from, int to) {
        if (from >= to) {
            return -1;
        }
        return afterCr || blankCrSeen ? nextEventEndExact(buf, from, to) : nextEventEndFast(buf, from, to);
    }

    /** The byte-by-byte state machine, for lines that hold a CR. */
    private int nextEventEndExact(ByteBuf buf, int from, int to) {
        endsBeforeStop = false;
        final int stop = buf.forEachByte(from, to - from, this);
        if (stop < 0) {
            return -1;
        }
        return endsBeforeStop ? stop : stop + 1;
    }

    /** Line by line from LF to LF; the first line with a CR is handed to the state machine. */
    private int nextEventEndFast(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to) {
            if (atLineStart && buf.getByte(i) == '\n') {
                return i + 1;
            }
            final int end = ByteSearch.indexOfEither(buf, i, to, (byte) '\n', (byte) '\r');
            if (end < 0) {
                atLineStart = false;
                return -1;
            }
            if (buf.getByte(end) == '\r') {
                return nextEventEndExact(buf, i, to);
            }
            atLineStart = true;
            i = end + 1;
        }
        return -1;
    }

    @Override
    public boolean process(byte b) {
        if (blankCrSeen) {
            blankCrSeen = false;
            afterCr = false;
            atLineStart = true;
            if (b == '\n') {
                return false;
            }
            // The event ended at the CR; this byte is the first of the next event and is scanned again.
            endsBeforeStop = true;
            return false;
        }
        if (b == '\r') {
            if (atLineStart) {
                blankCrSeen = true;
            }
            atLineStart = true;
            afterCr = true;
            return true;
        }
        if (b == '\n') {
            if (afterCr) {
                afterCr = false;
                return true;
            }
            if (atLineStart) {
                return false;
            }
            atLineStart = true;
            return true;
        }
        afterCr = false;
        atLineStart = false;
        return true;
    }
}
