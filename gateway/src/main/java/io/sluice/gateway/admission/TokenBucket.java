package io.sluice.gateway.admission;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket kept as one number: the generic cell rate algorithm's "theoretical arrival time", the instant by
 * which everything taken so far will have been refilled. Taking {@code n} moves it {@code n} refill intervals
 * later; the bucket refuses when that would put it more than a full bucket ahead of now. Giving back moves it
 * earlier (never before now); a debt (usage over what was reserved) moves it later without asking, so the next
 * requests wait it off.
 *
 * <p>Why not Bucket4j: its lock-free bucket keeps several fields in an immutable state object copied on each
 * change; the whole state here is one {@code long} compared and set, which is all a per-key, per-model or per-IP
 * limit on the event loop needs, and settling with a debt is one add. Thread-safe and lock-free: any event loop may
 * take from any bucket.
 */
public final class TokenBucket {
    private final long intervalNanos;
    private final long capacity;
    private final long horizonNanos;
    private final LongSupplier clock;
    private final AtomicLong full;

    /**
     * @param perSecond tokens refilled per second
     * @param capacity  tokens the bucket holds when full (the burst)
     * @param clock     {@link System#nanoTime} or a test's clock
     */
    public TokenBucket(double perSecond, long capacity, LongSupplier clock) {
        this.intervalNanos = Math.max(1, Math.round(1e9 / perSecond));
        this.capacity = capacity;
        this.horizonNanos = Math.multiplyExact(intervalNanos, capacity);
        this.clock = clock;
        this.full = new AtomicLong(clock.getAsLong());
    }

    public long capacity() {
        return capacity;
    }

    /**
     * Takes {@code n} tokens if the bucket holds them.
     *
     * @return a negative number when taken, else how many nanoseconds until it would hold them
     */
    public long tryTake(long n) {
        final long cost = Math.multiplyExact(intervalNanos, n);
        while (true) {
            final long now = clock.getAsLong();
            final long was = full.get();
            final long next = Math.max(was, now) + cost;
            if (next - now > horizonNanos) {
                return next - now - horizonNanos;
            }
            if (full.compareAndSet(was, next)) {
                return -1;
            }
        }
    }

    /** Puts back {@code n} tokens taken but not used; a full bucket stays full. */
    public void giveBack(long n) {
        final long cost = Math.multiplyExact(intervalNanos, n);
        full.getAndUpdate(was -> Math.max(clock.getAsLong(), was - cost));
    }

    /**
     * Takes {@code n} tokens used beyond what was taken, whether the bucket holds them or not; a debt is counted up
     * to one full bucket, whatever a backend claims.
     */
    public void charge(long n) {
        final long cost = Math.multiplyExact(intervalNanos, Math.min(n, capacity));
        full.getAndUpdate(was -> Math.max(was, clock.getAsLong()) + cost);
    }

    /** Tokens it holds now (0 while in debt). */
    public long remaining() {
        final long now = clock.getAsLong();
        final long ahead = Math.max(0, full.get() - now);
        return Math.max(0, (horizonNanos - ahead) / intervalNanos);
    }

    /** Nanoseconds until it is full again. */
    public long nanosUntilFull() {
        return Math.max(0, full.get() - clock.getAsLong());
    }
}
