package io.sluice.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.SWARUtil;

/**
 * Finds a byte in a range of a buffer, eight bytes at a time, reading a direct buffer's memory itself.
 *
 * <p>It exists because the relay's searches are short (one SSE line or event, a few hundred bytes) and many (several
 * per event), and {@link ByteBuf#indexOf} pays a fixed cost on each call that is larger than the search on such a
 * range: index and reference-count checks, the unaligned head read a byte at a time, and for a slice of a pooled
 * buffer two virtual calls per word. Reading the memory address of a buffer that has one (direct buffers, pooled
 * socket reads and their slices, the buffers the relay sees) costs one load per word; a buffer without one (heap,
 * a composite of several parts), or a platform without unaligned reads, goes to {@link ByteBuf#indexOf}. The word
 * test is Netty's {@link SWARUtil}, exact for every byte.
 *
 * <p>Below the seams of DESIGN.md §2b: a primitive of the byte path, used by the SSE framer, the usage tees and the
 * stream-end check of the passthrough relay. Stateless; the caller owns the buffer and must hold a reference to it for the call.
 */
public final class ByteSearch {
    private ByteSearch() {
    }

    /**
     * The absolute index of the first {@code value} in {@code [from, to)} of {@code buf}, or -1 when there is none
     * (also when {@code from >= to}).
     *
     * @throws IndexOutOfBoundsException when the range is not within the buffer's capacity
     */
    public static int indexOf(ByteBuf buf, int from, int to, byte value) {
        if (from >= to) {
            return -1;
        }
        if (!readsMemory(buf, from, to)) {
            return buf.indexOf(from, to, value);
        }
        final long address = buf.memoryAddress();
        final long pattern = SWARUtil.compilePattern(value);
        int i = from;
        for (final int lastWord = to - Long.BYTES; i <= lastWord; i += Long.BYTES) {
            final long found = SWARUtil.applyPattern(PlatformDependent.getLong(address + i), pattern);
            if (found != 0) {
                return i + SWARUtil.getIndex(found, PlatformDependent.BIG_ENDIAN_NATIVE_ORDER);
            }
        }
        for (; i < to; i++) {
            if (PlatformDependent.getByte(address + i) == value) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The absolute index of the first byte in {@code [from, to)} of {@code buf} that is {@code one} or
     * {@code other}, or -1 when there is none: over a buffer's memory, one pass where two searches would read the
     * range twice.
     *
     * @throws IndexOutOfBoundsException when the range is not within the buffer's capacity
     */
    public static int indexOfEither(ByteBuf buf, int from, int to, byte one, byte other) {
        if (from >= to) {
            return -1;
        }
        if (!readsMemory(buf, from, to)) {
            final int first = buf.indexOf(from, to, one);
            final int second = buf.indexOf(from, first < 0 ? to : first, other);
            return second >= 0 ? second : first;
        }
        return indexOfEither(buf.memoryAddress(), from, to, one, other);
    }

    /**
     * As {@link #indexOfEither(ByteBuf, int, int, byte, byte)}, over memory the caller got from {@link #memoryOf} for
     * a range that includes {@code [from, to)}: for a caller's byte loop that skips runs of bytes it has no use for.
     */
    public static int indexOfEither(long address, int from, int to, byte one, byte other) {
        final long onePattern = SWARUtil.compilePattern(one);
        final long otherPattern = SWARUtil.compilePattern(other);
        int i = from;
        for (final int lastWord = to - Long.BYTES; i <= lastWord; i += Long.BYTES) {
            final long word = PlatformDependent.getLong(address + i);
            final long found = SWARUtil.applyPattern(word, onePattern) | SWARUtil.applyPattern(word, otherPattern);
            if (found != 0) {
                return i + SWARUtil.getIndex(found, PlatformDependent.BIG_ENDIAN_NATIVE_ORDER);
            }
        }
        for (; i < to; i++) {
            final byte b = PlatformDependent.getByte(address + i);
            if (b == one || b == other) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Whether {@code word} is at {@code at} of {@code buf}. Over a buffer's memory the word costs one reference-count
     * check, where {@link ByteBuf#getByte} checks each byte.
     *
     * @throws IndexOutOfBoundsException when {@code [at, at + word.length)} is not within the buffer's capacity
     */
    public static boolean startsWith(ByteBuf buf, int at, byte[] word) {
        if (at < 0 || at > buf.capacity() - word.length) {
            throw new IndexOutOfBoundsException("word of " + word.length + " at " + at + " of a buffer of "
                    + buf.capacity());
        }
        if (word.length == 0) {
            return true;
        }
        if (readsMemory(buf, at, at + word.length)) {
            final long address = buf.memoryAddress() + at;
            for (int k = 0; k < word.length; k++) {
                if (PlatformDependent.getByte(address + k) != word[k]) {
                    return false;
                }
            }
            return true;
        }
        for (int k = 0; k < word.length; k++) {
            if (buf.getByte(at + k) != word[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The memory address of {@code buf} when {@code [from, to)} may be read there directly, as this class's searches
     * do, for a caller with a byte loop of its own; else 0, and the caller reads through the buffer.
     *
     * @throws IndexOutOfBoundsException when the range is not within the buffer's capacity
     */
    public static long memoryOf(ByteBuf buf, int from, int to) {
        return readsMemory(buf, from, to) ? buf.memoryAddress() : 0;
    }

    /** The first index of {@code [from, to)} that is not JSON whitespace, or {@code to}. */
    public static int skipJsonSpaces(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to && isJsonSpace(buf.getByte(i))) {
            i++;
        }
        return i;
    }

    /** Whether {@code b} is JSON whitespace. */
    public static boolean isJsonSpace(int b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    /**
     * Checks the range (for either way of searching, so both refuse the same calls) and tells whether this search
     * reads the buffer's memory itself, in which case it also checks that the buffer is still held.
     */
    private static boolean readsMemory(ByteBuf buf, int from, int to) {
        if (from < 0 || to > buf.capacity()) {
            throw new IndexOutOfBoundsException("range " + from + ".." + to + " of a buffer of " + buf.capacity());
        }
        if (!buf.hasMemoryAddress() || !PlatformDependent.isUnaligned()) {
            return false;
        }
        if (buf.refCnt() == 0) {
            throw new IllegalReferenceCountException(0);
        }
        return true;
    }
}
