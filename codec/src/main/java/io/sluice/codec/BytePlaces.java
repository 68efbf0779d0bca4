package io.sluice.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

import java.util.Arrays;

/**
 * The places of two chosen bytes in one range of a buffer, in order: the letters of the keys a stream watcher looks
 * for in an event. The SSE framer collects them in the same pass that finds where the event ends, so that the watcher
 * does not search the event a second time; {@link #collect} finds them for a range that pass did not see whole.
 *
 * <p>With each place it keeps the sixteen bytes from four before it, as two numbers ({@link #around} and
 * {@link #after}), so that a watcher can rule out most letters by comparing numbers, not by reading the buffer again:
 * an OpenAI chunk's {@code system_fingerprint} and {@code service_tier}, the model's name, and the keys it looks for
 * whose value is {@code null}.
 *
 * <p>Below the seams of DESIGN.md §2b: a primitive of the passthrough relay's byte path. One per stream, on its event
 * loop; it holds indexes, never a buffer. Reused from range to range, and grown when a range holds more places than
 * any before it.
 */
public final class BytePlaces {
    /** Where {@link #around} starts, from the place. */
    private static final int AROUND = -4;
    /** Where {@link #after} starts, from the place. */
    private static final int AFTER = AROUND + Long.BYTES;
    /** Room for the letters of a usual chunk; a stream whose events hold more grows it once or twice. */
    private static final int FIRST_ROOM = 8;

    private int[] places = new int[FIRST_ROOM];
    private byte[] bytes = new byte[FIRST_ROOM];
    private long[] arounds = new long[FIRST_ROOM];
    private long[] afters = new long[FIRST_ROOM];
    private int count;

    /** Forgets the places of the last range. */
    public void clear() {
        count = 0;
    }

    /**
     * Adds the place {@code at} of {@code value} in {@code [from, to)} of a buffer whose memory is at
     * {@code address}, a range the caller has checked ({@link ByteSearch#memoryOf}); places are added in order.
     */
    public void addInMemory(long address, int at, byte value, int from, int to) {
        add(at, value, wordInMemory(address, at + AROUND, from, to), wordInMemory(address, at + AFTER, from, to));
    }

    /** Finds every {@code one} and {@code other} in {@code [from, to)} of {@code buf}, in place of what it held. */
    public void collect(ByteBuf buf, int from, int to, byte one, byte other) {
        clear();
        int at = ByteSearch.indexOfEither(buf, from, to, one, other);
        while (at >= 0) {
            add(at, buf.getByte(at), word(buf, at + AROUND, from, to), word(buf, at + AFTER, from, to));
            at = ByteSearch.indexOfEither(buf, at + 1, to, one, other);
        }
    }

    public int count() {
        return count;
    }

    /** The absolute index of the {@code k}th place. */
    public int at(int k) {
        return places[k];
    }

    /** The byte at the {@code k}th place. */
    public byte byteAt(int k) {
        return bytes[k];
    }

    /**
     * The eight bytes around the {@code k}th place, from four before it to three after it, the first in the lowest
     * byte of the number ({@link #wordOf}); 0 when they were not all in the range, and the buffer must be read.
     */
    public long around(int k) {
        return arounds[k];
    }

    /** The eight bytes that follow {@link #around}'s, from four after the place; 0 when not all in the range. */
    public long after(int k) {
        return afters[k];
    }

    /** {@code ascii}'s eight bytes as {@link #around} and {@link #after} give bytes: the first in the lowest byte. */
    public static long wordOf(String ascii) {
        if (ascii.length() != Long.BYTES) {
            throw new IllegalArgumentException("eight bytes, not " + ascii.length());
        }
        long word = 0;
        for (int k = Long.BYTES - 1; k >= 0; k--) {
            word = word << Byte.SIZE | (ascii.charAt(k) & 0xFF);
        }
        return word;
    }

    /** The {@code k}th byte (from 0, the lowest) of a word {@link #around} or {@link #after} gave. */
    public static int byteOf(long word, int k) {
        return (int) (word >>> k * Byte.SIZE) & 0xFF;
    }

    private void add(int at, byte value, long around, long after) {
        if (count == places.length) {
            places = Arrays.copyOf(places, count * 2);
            bytes = Arrays.copyOf(bytes, count * 2);
            arounds = Arrays.copyOf(arounds, count * 2);
            afters = Arrays.copyOf(afters, count * 2);
        }
        places[count] = at;
        bytes[count] = value;
        arounds[count] = around;
        afters[count] = after;
        count++;
    }

    private static long wordInMemory(long address, int start, int from, int to) {
        if (start < from || start + Long.BYTES > to) {
            return 0;
        }
        final long word = PlatformDependent.getLong(address + start);
        return PlatformDependent.BIG_ENDIAN_NATIVE_ORDER ? Long.reverseBytes(word) : word;
    }

    private static long word(ByteBuf buf, int start, int from, int to) {
        return start < from || start + Long.BYTES > to ? 0 : buf.getLongLE(start);
    }
}
