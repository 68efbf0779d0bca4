package io.sluice.gateway.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loop whose turns {@link BatchWindowIoHandler} marks reads the clock once per turn; any other thread reads it
 * each time. Each "later" below waits until the system clock itself has moved on, so an equal reading can only be
 * the cached one.
 */
class TurnClockTest {
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1,
            BatchWindowIoHandler.around(NioIoHandler.newFactory(), false, Duration.ofMillis(1)));

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void oneTurnSeesOneTime() throws Exception {
        final long before = System.nanoTime();
        final long[] reads = loop.submit(() -> {
            final long nanos = TurnClock.nanoTime();
            final long millis = TurnClock.currentTimeMillis();
            waitForNanosAfter(nanos);
            waitForMillisAfter(millis);
            return new long[] {nanos, TurnClock.nanoTime(), millis, TurnClock.currentTimeMillis()};
        }).get(5, TimeUnit.SECONDS);

        assertTrue(reads[0] - before >= 0, "read after the turn began");
        assertEquals(reads[0], reads[1]);
        assertEquals(reads[2], reads[3]);
    }

    @Test
    void aLaterTurnReadsAgain() throws Exception {
        final long first = loop.submit(TurnClock::nanoTime).get(5, TimeUnit.SECONDS);
        waitForNanosAfter(first);

        // A task submitted now most likely runs in a later turn; one submitted while the loop still runs the tasks
        // of the first one's turn would see its time, so ask until a turn has passed.
        long later = first;
        for (int i = 0; i < 100 && later == first; i++) {
            later = loop.submit(TurnClock::nanoTime).get(5, TimeUnit.SECONDS);
        }

        assertTrue(later - first > 0, "a later turn read the clock afresh");
    }

    @Test
    void anotherThreadReadsTheClockEachTime() {
        final long first = TurnClock.nanoTime();
        waitForNanosAfter(first);
        assertTrue(TurnClock.nanoTime() - first > 0);
        final long millis = TurnClock.currentTimeMillis();
        waitForMillisAfter(millis);
        assertTrue(TurnClock.currentTimeMillis() > millis);
    }

    private static void waitForNanosAfter(long nanos) {
        while (System.nanoTime() - nanos <= 0) {
            Thread.onSpinWait();
        }
    }

    private static void waitForMillisAfter(long millis) {
        while (System.currentTimeMillis() <= millis) {
            Thread.onSpinWait();
        }
    }
}
