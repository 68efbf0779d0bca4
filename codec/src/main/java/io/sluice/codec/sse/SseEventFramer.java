package io.sluice.codec.sse;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.netty.util.internal.PlatformDependent;
import io.sluice.codec.ByteSearch;
import io.sluice.codec.BytePlaces;

/**
 * Finds where Server-Sent Events end in a byte stream that arrives in arbitrary pieces, and, for a framer made with
 * two key letters, where those letters are in each event: one pass over the bytes serves both the relay and the
 * dialect's watcher, which would otherwise search every event again.
 *
 * <p>An event ends with a blank line; lines end with LF, CRLF or a lone CR (all three are legal SSE). A CR that
 * ends a blank line is only known to end the event once the next byte shows whether an LF belongs to it, so the
 * event then ends after that LF, or before the next byte when there is none.
 *
 * <p>The framer reads with absolute indexes and never moves a reader index, so the same buffer can be forwarded
 * untouched. It keeps a few flags of state between pieces and allocates nothing, but for a framer with letters the
 * room for more places when an event holds more letters than any before it. One framer per stream; not thread-safe.
 *
 * <p>Most streams end lines with LF only, and arrive in direct buffers (a socket's reads) whose memory the framer
 * reads a word at a time: one test per word lets through every byte below CR and the two letters, and each byte let
 * through is then looked at alone (the test may also let through a few others, which that look passes over). A line
 * with a CR, and a buffer without a memory address, go through the byte-by-byte state machine, which knows every
 * line ending but collects no letters.
 */
public final class SseEventFramer implements ByteProcessor {
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    /** Marks, in the word test, the bytes below this one: CR, LF and the other control bytes. */
    private static final long BELOW_LINE_ENDS = ONES * ('\r' + 1);
    /** The value {@link #look} returns when the byte ends nothing. */
    private static final int GO_ON = -1;
    /** The value {@link #look} returns when a CR hands the line to the state machine. */
    private static final int CR_FOUND = -2;

    private final byte firstLetter;
    private final byte secondLetter;
    private final long firstLetters;
    private final long secondLetters;
    /** The letters' places in the event being framed; null for a framer without letters. */
    private final BytePlaces places;
    /**
     * Whether the letters are being collected into {@link #places}: while the event being framed has been read in one
     * piece, by the word pass; an event that began in an earlier piece had its first letters in another buffer.
     */
    private boolean collecting;
    /** Whether the last call ended inside an event, which the next call goes on with. */
    private boolean eventOpen;
    /** Where the line being read started in the current call's piece, or -1 when it started in an earlier piece. */
    private int lineStart;

    private boolean atLineStart = true;
    private boolean afterCr;
    private boolean blankCrSeen;
    private boolean endsBeforeStop;

    /** A framer that only finds where events end. */
    public SseEventFramer() {
        this((byte) 0, (byte) 0, null);
    }

    /** A framer that also collects the places of {@code firstLetter} and {@code secondLetter} in each event. */
    public SseEventFramer(byte firstLetter, byte secondLetter) {
        this(firstLetter, secondLetter, new BytePlaces());
    }

    private SseEventFramer(byte firstLetter, byte secondLetter, BytePlaces places) {
        this.firstLetter = firstLetter;
        this.secondLetter = secondLetter;
        this.firstLetters = ONES * (firstLetter & 0xFF);
        this.secondLetters = ONES * (secondLetter & 0xFF);
        this.places = places;
    }

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
        collecting = places != null && !eventOpen;
        if (collecting) {
            places.clear();
        }
        final long address = afterCr || blankCrSeen ? 0 : ByteSearch.memoryOf(buf, from, to);
        final int end = address != 0 ? nextEventEndInMemory(buf, address, from, to) : nextEventEndExact(buf, from, to);
        eventOpen = end < 0;
        return end;
    }

    /**
     * The places of the key letters in the event whose end the last call returned, when this framer collects letters
     * and its word pass saw the whole event; else null, and a watcher finds them itself. Valid until the next call.
     */
    public BytePlaces places() {
        return collecting && !eventOpen ? places : null;
    }

    /** The byte-by-byte state machine, for lines that hold a CR and for buffers without a memory address. */
    private int nextEventEndExact(ByteBuf buf, int from, int to) {
        collecting = false;
        endsBeforeStop = false;
        final int stop = buf.forEachByte(from, to - from, this);
        if (stop < 0) {
            return -1;
        }
        return endsBeforeStop ? stop : stop + 1;
    }

    /** A word at a time over the buffer's memory, until an event ends or a CR hands the line to the state machine. */
    private int nextEventEndInMemory(ByteBuf buf, long address, int from, int to) {
        lineStart = atLineStart ? from : -1;
        int i = from;
        for (final int lastWord = to - Long.BYTES; i <= lastWord; i += Long.BYTES) {
            long word = PlatformDependent.getLong(address + i);
            if (PlatformDependent.BIG_ENDIAN_NATIVE_ORDER) {
                word = Long.reverseBytes(word);
            }
            long marked = (word - BELOW_LINE_ENDS) & ~word;
            if (collecting) {
                final long first = word ^ firstLetters;
                final long second = word ^ secondLetters;
                marked |= (first - ONES) & ~first | (second - ONES) & ~second;
            }
            marked &= HIGH_BITS;
            // The lowest marked byte is always one looked for; a higher one may be a borrow's mistake, which look
            // passes over.
            while (marked != 0) {
                final int at = i + (Long.numberOfTrailingZeros(marked) >>> 3);
                marked &= marked - 1;
                final int end = look(address, at, from, to);
                if (end != GO_ON) {
                    return end == CR_FOUND ? handOver(buf, from, to) : end;
                }
            }
        }
        for (; i < to; i++) {
            final int end = look(address, i, from, to);
            if (end != GO_ON) {
                return end == CR_FOUND ? handOver(buf, from, to) : end;
            }
        }
        atLineStart = lineStart == to;
        return -1;
    }

    /** Looks at the byte at {@code at}: the index past the event it ends, {@link #GO_ON} or {@link #CR_FOUND}. */
    private int look(long address, int at, int from, int to) {
        final byte b = PlatformDependent.getByte(address + at);
        if (b == '\n') {
            if (at == lineStart) {
                atLineStart = true;
                return at + 1;
            }
            lineStart = at + 1;
        } else if (b == '\r') {
            return CR_FOUND;
        } else if (collecting && (b == firstLetter || b == secondLetter)) {
            places.addInMemory(address, at, b, from, to);
        }
        return GO_ON;
    }

    /** The line being read holds a CR: the state machine reads it again from its start, in the state it began in. */
    private int handOver(ByteBuf buf, int from, int to) {
        atLineStart = lineStart >= 0;
        return nextEventEndExact(buf, lineStart >= 0 ? lineStart : from, to);
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
