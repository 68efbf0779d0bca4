package io.sluice.codec.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Applies byte-range edits to a body without copying it: the result is a composite of slices of the original
 * around the new bytes. Every byte outside the edits is the byte the client sent.
 */
public final class JsonSplice {
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
     * keeps its own reference to {@code body}; the result holds retained slices of it and must be released.
     */
    public static ByteBuf apply(ByteBufAllocator alloc, ByteBuf body, List<Edit> edits) {
        final List<Edit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(Edit::start));
        final CompositeByteBuf out = alloc.compositeBuffer(sorted.size() * 2 + 1);
        final int base = body.readerIndex();
        int copied = 0;
        for (Edit edit : sorted) {
            if (edit.start() < copied || edit.end() < edit.start() || edit.end() > body.readableBytes()) {
                out.release();
                throw new IllegalArgumentException("edits overlap or fall outside the body: " + edits);
            }
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
