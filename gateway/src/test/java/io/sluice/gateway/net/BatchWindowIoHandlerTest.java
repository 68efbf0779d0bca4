package io.sluice.gateway.net;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * When an event loop waits before a turn, and for how long: on a clock and a park of the test's own, so that the
 * waits are asserted exactly; and with the real park, that another thread's task cuts a wait short.
 */
class BatchWindowIoHandlerTest {
    private static final long WINDOW = 100_000;

    /** The transport's handler: counts its turns and wake-ups. */
    private static final class Turns implements IoHandler {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger wakeups = new AtomicInteger();

        @Override
        public int run(IoHandlerContext context) {
            runs.incrementAndGet();
            return 0;
        }

        @Override
        public IoRegistration register(IoHandle handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void wakeup() {
            wakeups.incrementAndGet();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return false;
        }
    }

    /** The loop's state as a turn sees it: whether anything is queued, and how far off its next timer is. */
    private static IoHandlerContext context(boolean nothingQueued, long nanosToTimer) {
        return new IoHandlerContext() {
            @Override
            public boolean canBlock() {
                return nothingQueued;
            }

            @Override
            public long delayNanos(long currentTimeNanos) {
                return nanosToTimer;
            }

            @Override
            public long deadlineNanos() {
                return -1;
            }
        };
    }

    private final Turns transport = new Turns();
    private final List<Long> parks = new ArrayList<>();
    private final BatchWindowIoHandler handler = new BatchWindowIoHandler(transport, WINDOW, () -> 0L, parks::add);

    @Test
    void aTurnWithNothingQueuedWaitsTheWindowFirst() {
        handler.run(context(true, Long.MAX_VALUE));
        handler.run(context(true, Long.MAX_VALUE));
        assertEquals(List.of(WINDOW, WINDOW), parks);
        assertEquals(2, transport.runs.get());
    }

    @Test
    void aTurnWithATaskQueuedRunsAtOnce() {
        handler.run(context(false, Long.MAX_VALUE));
        assertEquals(List.of(), parks);
        assertEquals(1, transport.runs.get());
    }

    @Test
    void theWaitEndsAtTheNextTimer() {
        handler.run(context(true, 30_000));
        handler.run(context(true, 0));
        assertEquals(List.of(30_000L), parks, "a timer due now is not waited for");
        assertEquals(2, transport.runs.get());
    }

    @Test
    void anotherThreadsTaskCutsTheWaitShort() throws Exception {
        final BatchWindowIoHandler waiting = new BatchWindowIoHandler(transport, Duration.ofHours(1).toNanos(),
                System::nanoTime, LockSupport::parkNanos);
        final Thread loop = new Thread(() -> waiting.run(context(true, Long.MAX_VALUE)), "loop");
        loop.start();
        // Without the unpark the loop would wait out the hour: this only guards against that hang.
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            while (loop.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
            waiting.wakeup();
            loop.join();
        });
        assertEquals(1, transport.runs.get());
        assertEquals(1, transport.wakeups.get());
    }

    @Test
    void aZeroWindowLeavesTheTransportsHandlersAsTheyAre() {
        final IoHandlerFactory nio = NioIoHandler.newFactory();
        assertSame(nio, BatchWindowIoHandler.around(nio, Duration.ZERO));
        assertNotSame(nio, BatchWindowIoHandler.around(nio, Duration.ofNanos(WINDOW)));
    }
}
