package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ReadBatchTest {
    private final ReadBatch batch = new ReadBatch(UnpooledByteBufAllocator.DEFAULT);

    @Test
    void aSinglePieceIsPassedOnAsItIs() {
        final ByteBuf piece = text("data: a\n\n");
        batch.add(piece);
        final ByteBuf taken = batch.take();
        assertSame(piece, taken);
        assertNull(batch.take(), "a take empties the batch");
        taken.release();
    }

    @Test
    void manyPiecesBecomeOneBufferInOrderWithoutCopies() {
        final ByteBuf[] pieces = new ByteBuf[100];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = text("data: " + i + "\n\n");
            batch.add(pieces[i]);
        }
        final ByteBuf taken = batch.take();
        final StringBuilder expected = new StringBuilder();
        for (int i = 0; i < pieces.length; i++) {
            expected.append("data: ").append(i).append("\n\n");
        }
        assertEquals(expected.toString(), taken.toString(StandardCharsets.UTF_8));
        assertEquals(1, pieces[0].refCnt(), "the pieces are components, not copies");
        taken.release();
        assertEquals(0, pieces[99].refCnt(), "releasing the batch releases every piece");
    }

    @Test
    void releaseDropsWhatWasGathered() {
        final ByteBuf first = text("a");
        final ByteBuf second = text("b");
        batch.add(first);
        batch.add(second);
        batch.release();
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
        assertNull(batch.take());
        batch.release(); // nothing gathered: a no-op
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }
}
