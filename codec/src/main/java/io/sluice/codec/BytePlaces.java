package io.sluice.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

import java.util.Arrays;

/**
 * The places of two chosen bytes in one range of a buffer, in order: the letters of the keys a stream watcher looks
 * for in an event. The SSE framer collects them in the same pass that finds where the event ends, so that the watcher
 * does not search the event a second time; {@link #collect} finds them for a range that pass did not see whole.
 *
 * <p>With each place it keeps the eight bytes around it ({@link #near}), so that a watcher can rule out most letters
 * (an OpenAI chunk's {@code system_fingerprint}, {@code service_tier}, the model's name) by comparing one number, not
 * by reading the buffer again.
 *
 * <p>Below the seams of DESIGN.md §2b: a primitive of the passthrough relay's byte path. One per stream, on its event
 * loop; it holds indexes, never a buffer. Reused from range to range, and grown when a range holds more places than
 * any before it.
 */
public final class BytePlaces {
    private static final int NEAR_BEFORE = 4;
    private static final int NEAR_AFTER = Long.BYTES - NEAR_BEFORE;

    /** Room for the letters of a usual chunk; a stream whose events hold more grows it once or twice. */
    private static final int FIRST_ROOM = 8;

    private int[] places = new int[FIRST_ROOM];
    private byte[] bytes = new byte[FIRST_ROOM];
    private long[] nears = new long[FIRST_ROOM];
    private int count;

    /** Forgets the places of the last range. */
    public void clear() {
        count = 0;
    }

    /**
     * Adds the place {@code at} of {@code value}, with the eight bytes from four before it ({@link #near}); places are
     * added in order.
     */
    public void add(int at, byte value, long near) {
        if (count == places.length) {
            places = Arrays.copyOf(places, count * 2);
            bytes = Arrays.copyOf(bytes, count * 2);
            nears = Arrays.copyOf(nears, count * 2);
        }
        places[count] = at;
        bytes[count] = value;
        nears[count] = near;
        count++;
    }

    /** Finds every {@code one} and {@code other} in {@code [from, to)} of {@code buf}, in place of what it held. */
    public void collect(ByteBuf buf, int from, int to, byte one, byte other) {
        clear();
        int at = ByteSearch.indexOfEither(buf, from, to, one, other);
        while (at >= 0) {
            add(at, buf.getByte(at), at - NEAR_BEFORE >= from && at + NEAR_AFTER <= to
                    ? buf.getLongLE(at - NEAR_BEFORE) : 0);
            at = ByteSearch.indexOfEither(buf, at + 1, to, one, other);
        }
    }

    /**
     * The eight bytes from four before {@code at} to three after it, in the range {@code [from, to)} of a buffer
     * whose memory is at {@code address} (the caller has checked the range), as {@link #near} gives them; 0 when they
     * are not all in the range.
     */
    public static long nearInMemory(long address, int at, int from, int to) {
        if (at - NEAR_BEFORE < from || at + NEAR_AFTER > to) {
            return 0;
        }
        final long word = PlatformDependent.getLong(address + at - NEAR_BEFORE);
        return PlatformDependent.BIG_ENDIAN_NATIVE_ORDER ? Long.reverseBytes(word) : word;
    }

    /** {@code ascii}'s eight bytes as {@link #near} gives bytes: the first in the lowest byte of the number. */
    public static long nearOf(String ascii) {
        if (ascii.length() != Long.BYTES) {
            throw new IllegalArgumentException("eight bytes, not " + ascii.length());
        }
        long near = 0;
        for (int k = Long.BYTES - 1; k >= 0; k--) {
            near = near << Byte.SIZE | (ascii.charAt(k) & 0xFF);
        }
        return near;
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
     * byte of the number ({@link #nearOf}); 0 when they were not all in the range, and the buffer must be read.
     */
    public long near(int k) {
        return nears[k];
    }
}
