package io.sluice.codec;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * A small reusable byte array that keeps a copy of the few bytes a tee needs later (the data of a usage event,
 * the value of a top-level field), up to a limit.
 *
 * <p>It exists so that the tee never retains the network buffers it watches: those go to the client and back to
 * the pool, and only this copy of a few hundred bytes stays. Past the limit it stops copying and remembers that it
 * overflowed. Plain heap memory, no reference counting; not thread-safe.
 *
 * <p>The array is made at the first byte, not up front: many captures are set up for a case that does not come (a
 * stream's partial event, a body read whole), and a relayed stream would otherwise allocate their arrays for
 * nothing.
 */
public final class CaptureBuffer {
    private static final byte[] NONE = new byte[0];

    private final int initialCapacity;
    private final int limit;
    private byte[] bytes = NONE;
    private int length;
    private boolean overflowed;

    public CaptureBuffer(int initialCapacity, int limit) {
        this.initialCapacity = Math.min(initialCapacity, limit);
        this.limit = limit;
    }

    public void reset() {
        length = 0;
        overflowed = false;
    }

    /** Copies {@code len} bytes of {@code src} from absolute index {@code from}; returns false once over the limit. */
    public boolean append(ByteBuf src, int from, int len) {
        if (!ensure(len)) {
            return false;
        }
        src.getBytes(from, bytes, length, len);
        length += len;
        return true;
    }

    public boolean append(byte b) {
        if (!ensure(1)) {
            return false;
        }
        bytes[length++] = b;
        return true;
    }

    private boolean ensure(int more) {
        if (overflowed) {
            return false;
        }
        final int needed = length + more;
        if (needed > limit) {
            overflowed = true;
            return false;
        }
        if (needed > bytes.length) {
            final int grown = Math.max(initialCapacity, bytes.length * 2);
            bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(needed, grown)));
        }
        return true;
    }

    public byte[] array() {
        return bytes;
    }

    public int length() {
        return length;
    }

    public boolean isEmpty() {
        return length == 0;
    }
}
