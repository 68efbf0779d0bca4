package io.sluice.gateway.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.gateway.config.Durations;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The time a client has to send one request, head and body, so that a client trickling bytes cannot hold a
 * connection and a request slot forever (each piece of a request puts the idle timer off): the whole request must arrive within
 * {@code server.request_timeout} of its first bytes, and once the head is in, the body must keep arriving at
 * {@code server.min_body_rate} or more, measured over windows of a few seconds.
 *
 * <p>The handler arms it only when a request is still incomplete at the end of a socket read, so a request that
 * arrives in one read (nearly all of them) costs no timer. One scheduled task at a time.
 *
 * <p>Thread: the connection's (or HTTP/2 stream's) event loop.
 */
final class RequestDeadline implements Runnable {
    /** Told when the request took too long; the deadline is disarmed by then. */
    interface Listener {
        void onRequestTimeout(String reason);
    }

    private static final long MAX_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final EventExecutor executor;
    private final Listener listener;
    private final long timeoutNanos;
    private final long windowNanos;
    private final long minBytesPerSecond;
    private ScheduledFuture<?> task;
    private long startedAt;
    private boolean bodyStarted;
    private long windowStart;
    private long bodyBytes;
    private long windowBodyBytes;

    /** @param minBytesPerSecond the slowest body accepted; 0 for none */
    RequestDeadline(EventExecutor executor, Listener listener, long timeoutNanos, long minBytesPerSecond) {
        this.executor = executor;
        this.listener = listener;
        this.timeoutNanos = timeoutNanos;
        this.windowNanos = Math.min(MAX_WINDOW_NANOS, timeoutNanos / 2);
        this.minBytesPerSecond = minBytesPerSecond;
    }

    boolean armed() {
        return task != null;
    }

    /** The request's first bytes are in but the request is not: the clock starts now. */
    void arm(boolean headArrived) {
        if (task != null) {
            return;
        }
        startedAt = System.nanoTime();
        bodyStarted = false;
        bodyBytes = 0;
        schedule(startedAt);
        if (headArrived) {
            headArrived();
        }
    }

    /** The head is in: from now on the body's rate counts. */
    void headArrived() {
        if (bodyStarted) {
            return;
        }
        bodyStarted = true;
        windowStart = System.nanoTime();
        windowBodyBytes = bodyBytes;
        if (task != null) {
            task.cancel(false);
            schedule(windowStart);
        }
    }

    void bodyBytes(int count) {
        bodyBytes += count;
    }

    void disarm() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run() {
        task = null;
        final long now = System.nanoTime();
        if (now - startedAt >= timeoutNanos) {
            listener.onRequestTimeout("The request did not arrive within "
                    + Durations.format(Duration.ofNanos(timeoutNanos)) + ".");
            return;
        }
        if (bodyStarted && minBytesPerSecond > 0 && now - windowStart >= windowNanos) {
            final double seconds = (now - windowStart) / 1e9;
            if (bodyBytes - windowBodyBytes < minBytesPerSecond * seconds) {
                listener.onRequestTimeout("The request body arrived more slowly than " + minBytesPerSecond
                        + " bytes per second.");
                return;
            }
            windowStart = now;
            windowBodyBytes = bodyBytes;
        }
        schedule(now);
    }

    private void schedule(long now) {
        final long untilDeadline = startedAt + timeoutNanos - now;
        final long untilWindow = bodyStarted && minBytesPerSecond > 0 ? windowStart + windowNanos - now
                : untilDeadline;
        task = executor.schedule(this, Math.max(0, Math.min(untilDeadline, untilWindow)), TimeUnit.NANOSECONDS);
    }
}
