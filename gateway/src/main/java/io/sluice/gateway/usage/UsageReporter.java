package io.sluice.gateway.usage;

import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes usage records off the event loops and hands them to the sinks on one thread of its own.
 *
 * <p>{@link #report} never blocks and never drops a record, because a slow sink must not slow the streams and a
 * usage record is what an operator bills by: the queue is bounded, and when it is full records wait in an overflow
 * list (lock-free, counted, warned about) until the thread catches up; while any wait there, new records join them,
 * so the sinks see records in the order they were reported (but for one racing the moment the overflow empties,
 * which may come after a record reported just after it). Each webhook sink's spool, on disk, is where records
 * wait for a slow receiver; this overflow only absorbs the thread falling behind. Each sink keeps its own delivery
 * state: a webhook that is down delays neither the log nor another webhook. Closing drains both, then stops.
 *
 * <p>After the first record of a batch the thread lingers a few milliseconds for more. While it lingers it waits
 * on nothing, so the event loops queue records without waking it: one wake-up per batch instead of one per
 * request (a system call that cost the event loop 3 % of its time at 9,000 streams a second).
 */
public final class UsageReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageReporter.class);
    private static final int BATCH = 256;
    private static final long LINGER_MILLIS = 10;

    private final BlockingQueue<UsageRecord> queue;
    private final List<UsageSink> sinks;
    /** The durable webhook sinks, also among {@link #sinks}. */
    private final List<WebhookSink> webhooks;
    private final Thread thread;
    /** Records reported while the queue was full (or while earlier ones still waited here), in order. */
    private final ConcurrentLinkedQueue<UsageRecord> overflow = new ConcurrentLinkedQueue<>();
    private final AtomicLong overflowed = new AtomicLong();
    private volatile boolean overflowing;
    private volatile boolean closing;

    /** @param webhooks webhook sinks, also handed every batch, which closing closes */
    public UsageReporter(int capacity, List<UsageSink> sinks, List<WebhookSink> webhooks) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        final List<UsageSink> all = new ArrayList<>(sinks);
        all.addAll(webhooks);
        this.sinks = List.copyOf(all);
        this.webhooks = List.copyOf(webhooks);
        this.thread = new Thread(this::run, "sluice-usage");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a record; called on event loops. */
    public void report(UsageRecord record) {
        if (overflowing || !queue.offer(record)) {
            overflowing = true;
            overflow.add(record);
            final long total = overflowed.incrementAndGet();
            if (Long.bitCount(total) == 1) {
                LOG.warn("usage queue full: {} usage records waited beyond it so far (none is lost)", total);
            }
        }
    }

    private void run() {
        final List<UsageRecord> batch = new ArrayList<>(BATCH);
        while (!closing || !queue.isEmpty() || !overflow.isEmpty()) {
            try {
                if (queue.isEmpty() && overflow.isEmpty()) {
                    final UsageRecord first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                }
                queue.drainTo(batch, BATCH - batch.size());
                if (batch.size() < BATCH && !closing && overflow.isEmpty()) {
                    Thread.sleep(LINGER_MILLIS);
                    queue.drainTo(batch, BATCH - batch.size());
                }
                if (queue.isEmpty()) {
                    // Only once the queue is empty: what waits in the overflow came after all of it.
                    drainOverflow(batch);
                }
                deliver(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Moves waiting overflow records into {@code batch} once the queue is empty (they came after everything in it);
     * when none is left, new records may use the queue again.
     */
    private void drainOverflow(List<UsageRecord> batch) {
        UsageRecord record;
        while (batch.size() < BATCH && (record = overflow.poll()) != null) {
            batch.add(record);
        }
        if (overflow.isEmpty() && batch.size() < BATCH) {
            overflowing = false;
        }
    }

    private void deliver(List<UsageRecord> batch) {
        for (UsageSink sink : sinks) {
            try {
                sink.accept(batch);
            } catch (RuntimeException e) {
                LOG.warn("usage sink {} failed on a batch of {}: {}", sink.getClass().getSimpleName(), batch.size(),
                        e.toString());
            }
        }
    }

    public List<WebhookSink> webhooks() {
        return webhooks;
    }

    /** Whether a webhook whose spool is full asks for requests to be refused until it drains. */
    public boolean refusing() {
        for (WebhookSink webhook : webhooks) {
            if (webhook.refusing()) {
                return true;
            }
        }
        return false;
    }

    /** Its fields of {@code /health/detailed}: {@code "webhooks": {name: state}}. */
    public void writeHealth(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("webhooks");
        for (WebhookSink webhook : webhooks) {
            webhook.writeHealth(g);
        }
        g.writeEndObject();
    }

    /**
     * Drains the queue into the sinks, then closes the webhooks, together: each delivers what it can in the same
     * few seconds, and what it cannot stays in its spool.
     */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        thread.join(TimeUnit.SECONDS.toMillis(10));
        for (WebhookSink webhook : webhooks) {
            webhook.startClosing(WebhookSink.CLOSE_TIME);
        }
        for (WebhookSink webhook : webhooks) {
            webhook.close();
        }
    }
}
