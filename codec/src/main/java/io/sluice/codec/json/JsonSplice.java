package io.sluice.codec.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Applies byte-range edits to a body: every byte outside the edits is the byte the client sent. A result of up to
 * {@link #COPY_LIMIT} bytes is a copy in one buffer; a larger one is a composite of slices of the original around
 * the new bytes, so a long prompt is never copied.
 *
 * <p>Why copy the small ones: each slice of a composite is a derived buffer, taken from a pool, with a reference
 * count taken on the original and given back, and the composite is walked again when the upstream request's head
 * takes in a body that fits it. A copy of a few kilobytes costs less than that bookkeeping, and holds no reference
 * to the client's read, which a kept request would otherwise pin.
 */
public final class JsonSplice {
    /** The largest result that is copied rather than made a composite of slices. */
    public static final int COPY_LIMIT = 4096;

    /** Replace {@code [start, end)} (offsets from the body's first byte) with {@code bytes}; start == end inserts. */
    public record Edit(int start, int end, byte[] bytes) {
        public static Edit insert(int at, byte[] bytes) {
            return new Edit(at, at, bytes);
        }

        public static Edit replace(JsonValue value, byte[] bytes) {
            return new Edit(value.start(), value.end(), bytes);
        }
    }

    private JsonSplice() {
    }

    /**
     * Returns a new buffer that reads as the readable bytes of {@code body} with {@code edits} applied. The caller
     * keeps its own reference to {@code body}; the result (which may hold retained slices of it) must be released.
     */
    public static ByteBuf apply(ByteBufAllocator alloc, ByteBuf body, List<Edit> edits) {
        final List<Edit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(Edit::start));
        long length = body.readableBytes();
        int copied = 0;
        for (Edit edit : sorted) {
            if (edit.start() < copied || edit.end() < edit.start() || edit.end() > body.readableBytes()) {
                throw new IllegalArgumentException("edits overlap or fall outside the body: " + edits);
            }
            length += edit.bytes().length - (edit.end() - edit.start());
            copied = edit.end();
        }
        return length <= COPY_LIMIT ? copy(alloc, body, sorted, (int) length) : slices(alloc, body, sorted);
    }

    private static ByteBuf copy(ByteBufAllocator alloc, ByteBuf body, List<Edit> sorted, int length) {
        final ByteBuf out = alloc.buffer(length);
        final int base = body.readerIndex();
        int copied = 0;
        for (Edit edit : sorted) {
            out.writeBytes(body, base + copied, edit.start() - copied).writeBytes(edit.bytes());
            copied = edit.end();
        }
        return out.writeBytes(body, base + copied, body.readableBytes() - copied);
    }

    private static ByteBuf slices(ByteBufAllocator alloc, ByteBuf body, List<Edit> sorted) {
        final CompositeByteBuf out = alloc.compositeBuffer(sorted.size() * 2 + 1);
        final int base = body.readerIndex();
        int copied = 0;
        for (Edit edit : sorted) {
            if (edit.start() > copied) {
                out.addComponent(true, body.retainedSlice(base + copied, edit.start() - copied));
            }
            out.addComponent(true, Unpooled.wrappedBuffer(edit.bytes()));
            copied = edit.end();
        }
        if (copied < body.readableBytes()) {
            out.addComponent(true, body.retainedSlice(base + copied, body.readableBytes() - copied));
        }
        return out;
    }
}
