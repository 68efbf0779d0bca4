package io.sluice.gateway.net;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.ThreadAwareExecutor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When an event loop waits before a turn, for how long, and what the transport is asked to do around the wait: on
 * a clock and a park of the test's own, so that each step is asserted exactly; and with the real park, that another
 * thread's task cuts a wait short. Only a busy loop waits: one with {@link BatchWindowIoHandler#BUSY} exchanges
 * with backends or more under way.
 */
class BatchWindowIoHandlerTest {
    private static final long WINDOW = 100_000;
    private static final long NOW = 7_000_000;

    /** Every step in order: the transport's turns (whether each may block), its wake-ups, and the waits. */
    private final List<String> steps = new ArrayList<>();

    /**
     * The transport's handler: records its turns and wake-ups; a turn handles {@link #completions} and may queue a
     * task, as a read may.
     */
    private final class Transport implements IoHandler {
        Runnable onTurn = () -> { };
        int completions = 1;

        @Override
        public int run(IoHandlerContext context) {
            steps.add(context.canBlock() ? "turn" : "turn without waiting");
            onTurn.run();
            return completions;
        }

        @Override
        public IoRegistration register(IoHandle handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void wakeup() {
            steps.add("wakeup");
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return false;
        }
    }

    /** The loop as a turn sees it: whether anything is queued, and how far its next timer is from the clock's NOW. */
    private static final class Loop implements IoHandlerContext {
        boolean nothingQueued = true;
        long nanosToTimer = Long.MAX_VALUE;
        long askedAt = -1;

        @Override
        public boolean canBlock() {
            return nothingQueued;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            askedAt = currentTimeNanos;
            return nanosToTimer;
        }

        @Override
        public long deadlineNanos() {
            return -1;
        }
    }

    private final Transport transport = new Transport();
    private final Loop loop = new Loop();
    /** The exchanges with backends the loop has under way. */
    private int exchangesUnderWay;

    private BatchWindowIoHandler handler(boolean queuesWrites) {
        return new BatchWindowIoHandler(transport, queuesWrites, WINDOW, () -> exchangesUnderWay, () -> NOW,
                nanos -> steps.add("wait " + nanos));
    }

    /** A handler whose loop is busy: it has enough exchanges under way. */
    private BatchWindowIoHandler busy(BatchWindowIoHandler handler) {
        exchangesUnderWay = BatchWindowIoHandler.BUSY;
        return handler;
    }

    @Test
    void aBusyLoopWaitsTheWindowBeforeATurnWithNothingQueued() {
        assertEquals(1, busy(handler(false)).run(loop));
        assertEquals(List.of("wait " + WINDOW, "turn"), steps);
        assertEquals(NOW, loop.askedAt, "the next timer is measured from the clock's time");
    }

    @Test
    void anIdleLoopTurnsAtOnce() {
        final BatchWindowIoHandler handler = handler(false);
        handler.run(loop);
        exchangesUnderWay = BatchWindowIoHandler.BUSY - 1;
        handler.run(loop);
        assertEquals(List.of("turn", "turn"), steps, "a loop with a few exchanges under way makes no wait");
    }

    @Test
    void aLoopWaitsOnlyWhileEnoughExchangesAreUnderWay() {
        final BatchWindowIoHandler handler = busy(handler(false));
        handler.run(loop);
        exchangesUnderWay = BatchWindowIoHandler.BUSY - 1;
        handler.run(loop);
        exchangesUnderWay = BatchWindowIoHandler.BUSY;
        handler.run(loop);
        assertEquals(List.of("wait " + WINDOW, "turn", "turn", "wait " + WINDOW, "turn"), steps);
    }

    @Test
    void whatATurnFoundDoesNotMakeALoopBusy() {
        final BatchWindowIoHandler handler = handler(true);
        exchangesUnderWay = 1;
        transport.completions = 12;
        handler.run(loop);
        handler.run(loop);
        assertEquals(List.of("turn without waiting", "turn", "turn without waiting", "turn"), steps,
                "one client opening a connection per request: its accept and close make completions of their own");
    }

    @Test
    void whereTheTransportQueuesWritesItHandsThemOverBeforeTheWait() {
        assertEquals(2, busy(handler(true)).run(loop));
        assertEquals(List.of("turn without waiting", "wait " + WINDOW, "turn"), steps);
    }

    @Test
    void aTaskQueuedByThatFirstTurnRunsBeforeAnyWait() {
        final BatchWindowIoHandler handler = busy(handler(true));
        transport.onTurn = () -> loop.nothingQueued = false;
        assertEquals(1, handler.run(loop));
        assertEquals(List.of("turn without waiting"), steps);
    }

    @Test
    void aTurnWithATaskQueuedRunsAtOnce() {
        loop.nothingQueued = false;
        handler(true).run(loop);
        handler(false).run(loop);
        assertEquals(List.of("turn without waiting", "turn without waiting"), steps);
    }

    @Test
    void theWaitEndsAtTheNextTimer() {
        final BatchWindowIoHandler handler = busy(handler(false));
        loop.nanosToTimer = 30_000;
        handler.run(loop);
        loop.nanosToTimer = 0;
        handler.run(loop);
        assertEquals(List.of("wait 30000", "turn", "turn"), steps, "a timer due now is not waited for");
    }

    @Test
    void anotherThreadsTaskCutsTheWaitShort() {
        final BatchWindowIoHandler waiting = new BatchWindowIoHandler(transport, false,
                Duration.ofHours(1).toNanos(), () -> BatchWindowIoHandler.BUSY, System::nanoTime,
                LockSupport::parkNanos);
        final Thread loopThread = new Thread(() -> waiting.run(loop), "loop");
        loopThread.setDaemon(true);
        loopThread.start();
        // Without the unpark the loop would wait out the hour: the timeout only guards against that hang.
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            while (loopThread.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
            waiting.wakeup();
            loopThread.join();
        });
        assertEquals(List.of("wakeup", "turn"), steps);
    }

    @Test
    void aZeroWindowLeavesTheTransportsHandlersAsTheyAre() {
        final IoHandlerFactory nio = NioIoHandler.newFactory();
        assertSame(nio, BatchWindowIoHandler.around(nio, false, Duration.ZERO));
        final IoHandlerFactory pinned = new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return transport;
            }

            @Override
            public boolean isChangingThreadSupported() {
                return true;
            }
        };
        final IoHandlerFactory around = BatchWindowIoHandler.around(pinned, false, Duration.ofNanos(WINDOW));
        assertTrue(around.newHandler(null) instanceof BatchWindowIoHandler);
        assertTrue(around.isChangingThreadSupported());
    }
}
