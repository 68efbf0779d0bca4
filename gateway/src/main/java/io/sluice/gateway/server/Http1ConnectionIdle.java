package io.sluice.gateway.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The idle timer of an HTTP/1.1 connection, kept by its request handler: it tells the handler when no request
 * message came for the idle timeout since the connection began or its last response ended, and the handler closes
 * the connection unless a response is on its way. In place of Netty's {@code IdleStateHandler}, a handler of its own
 * in the pipeline: every message read passed through it, and every read's end read the clock. Here a message only
 * sets a flag, and the clock is read when a response ends and when the timer's task runs (once per timeout).
 *
 * <p>So a message is dated by the task that finds its flag, not by its read: a connection whose last message came
 * after the end of its last response (a request whose body stalls) is found idle one to two timeouts after it; the
 * request deadline ({@link RequestDeadline}) watches such a request's pace anyway. A connection that sends nothing
 * after a response, or nothing at all, is found idle exactly a timeout after the response or its start.
 *
 * <p>Position: the HTTP/1.1 front, below the request-core seams (DESIGN.md §2b), beside {@link HttpRequestHandler}.
 * Thread: the connection's event loop. Buffers: none.
 */
final class Http1ConnectionIdle implements Runnable {
    /** What the timer calls when the connection has been idle for the timeout. */
    interface Listener {
        void onIdle();
    }

    private final EventExecutor loop;
    private final long timeoutNanos;
    private final Listener listener;
    private ScheduledFuture<?> task;
    /** Stopped for good: the connection closed, or its request handler left the pipeline. */
    private boolean stopped;
    /** When the connection last began to be idle: its start, its last response's end, or the task that found a message. */
    private long idleSince;
    private boolean messageSinceTask;

    Http1ConnectionIdle(EventExecutor loop, long timeoutNanos, Listener listener) {
        this.loop = loop;
        this.timeoutNanos = timeoutNanos;
        this.listener = listener;
    }

    /** Counts idle time from now: at the connection's start, and at the end of each response. */
    void restart() {
        if (stopped) {
            return;
        }
        idleSince = loop.ticker().nanoTime();
        messageSinceTask = false;
        if (task == null) {
            task = loop.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A request message was read: the connection is not idle. */
    void onMessage() {
        messageSinceTask = true;
    }

    /** Stops the timer for good: the connection closed, or left HTTP/1.1. */
    void stop() {
        stopped = true;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run() {
        if (stopped) {
            return;
        }
        final long now = loop.ticker().nanoTime();
        if (messageSinceTask) {
            messageSinceTask = false;
            idleSince = now;
        }
        final long left = idleSince + timeoutNanos - now;
        if (left > 0) {
            task = loop.schedule(this, left, TimeUnit.NANOSECONDS);
            return;
        }
        // As Netty's timer did, it goes on after telling: a connection kept open by a response under way is told
        // again a timeout later, unless its response ends first.
        idleSince = now;
        task = loop.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
        listener.onIdle();
    }
}
