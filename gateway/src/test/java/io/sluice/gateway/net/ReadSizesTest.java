package io.sluice.gateway.net;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection's read size after a stream of small events: Netty's own guess shrinks to the size of an event, so the
 * head and first event of the next stream on the connection (410 bytes from the benchmark's model server) would take
 * two reads; Sluice's stays at its floor.
 */
class ReadSizesTest {
    private static final int EVENT = 215;
    private static final int HEAD_AND_FIRST_EVENT = 410;

    @Test
    void aStreamOfSmallEventsLeavesTheReadSizeAtItsFloor() {
        assertEquals(ReadSizes.MINIMUM, guessAfterSmallEvents(ReadSizes.reads()));
    }

    @Test
    void nettysOwnGuessWouldSplitTheNextStreamsFirstRead() {
        final int guess = guessAfterSmallEvents(new AdaptiveRecvByteBufAllocator());
        assertTrue(guess < HEAD_AND_FIRST_EVENT, "Netty's guess after small events: " + guess);
    }

    @Test
    void aLargeReadStillGrowsTheGuess() {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final RecvByteBufAllocator.Handle handle = ReadSizes.reads().newHandle();
        read(handle, channel.config(), ReadSizes.MINIMUM);
        assertTrue(handle.guess() > ReadSizes.MINIMUM, "after a full read: " + handle.guess());
        channel.finishAndReleaseAll();
    }

    /** The guess after the reads of a 35-event stream, one event per read, as a connection sees them. */
    private static int guessAfterSmallEvents(RecvByteBufAllocator allocator) {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final RecvByteBufAllocator.Handle handle = allocator.newHandle();
        for (int i = 0; i < 35; i++) {
            read(handle, channel.config(), EVENT);
        }
        channel.finishAndReleaseAll();
        return handle.guess();
    }

    private static void read(RecvByteBufAllocator.Handle handle, ChannelConfig config, int bytes) {
        handle.reset(config);
        handle.attemptedBytesRead(handle.guess());
        handle.lastBytesRead(bytes);
        handle.incMessagesRead(1);
        handle.readComplete();
    }
}
