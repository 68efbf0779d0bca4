package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kept-alive connection's reads after a stream of small events, driven as Netty's read loop drives a handle for a
 * connection that reads on demand (reset, allocate, the bytes read, read complete): Netty's guess has shrunk below
 * the 378 bytes of the benchmark model server's head and first event, and only a response's first read asks for more.
 */
class ResponseReadsTest {
    private static final int EVENT = 215;
    private static final int HEAD_AND_FIRST_EVENT = 378;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ResponseReads reads = new ResponseReads();
    private final RecvByteBufAllocator.Handle handle = reads.newHandle();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void theFirstReadOfAResponseAsksForTwoKibAfterSmallEvents() {
        reads.responseStarts();
        for (int i = 0; i < 35; i++) {
            assertEquals(i == 0 ? ResponseReads.RESPONSE_START : handle.guess(), read(EVENT));
        }
        final int shrunk = handle.guess();
        assertTrue(shrunk < HEAD_AND_FIRST_EVENT, "Netty's guess after a stream of events: " + shrunk);

        reads.responseStarts();
        assertEquals(ResponseReads.RESPONSE_START, handle.guess());
        assertEquals(ResponseReads.RESPONSE_START, read(HEAD_AND_FIRST_EVENT));
        // The response's later reads are Netty's again.
        assertTrue(handle.guess() < ResponseReads.RESPONSE_START);
        assertEquals(handle.guess(), read(EVENT));
    }

    @Test
    void aGuessAboveTheFloorIsKept() {
        reads.responseStarts();
        read(ResponseReads.RESPONSE_START);
        final int grown = handle.guess();
        assertTrue(grown > ResponseReads.RESPONSE_START, "after a full read: " + grown);
        reads.responseStarts();
        assertEquals(grown, read(100));
    }

    /** One read of {@code bytes}; returns the size of the buffer the read asked for. */
    private int read(int bytes) {
        final ChannelConfig config = channel.config();
        handle.reset(config);
        final ByteBuf buffer = handle.allocate(UnpooledByteBufAllocator.DEFAULT);
        final int asked = buffer.writableBytes();
        buffer.release();
        handle.attemptedBytesRead(asked);
        handle.lastBytesRead(bytes);
        handle.incMessagesRead(1);
        handle.readComplete();
        return asked;
    }
}
