package io.sluice.bench;

import java.util.Arrays;

/**
 * Microsecond samples, kept whole and sorted for each percentile asked: the generator's times to first event and gaps
 * ({@link StreamLoad}), a capture's waits ({@link TtftSplit}), a light load's latencies ({@link LightLoad}). Not
 * thread-safe: each is filled by one thread (the generator's event loop, a light load's client) and merged once
 * that thread is done.
 */
final class Samples {
    private long[] values;
    private int size;

    Samples() {
        this(1024);
    }

    /** Samples with room for {@code capacity} values before they grow (a copy a timed loop should not make). */
    Samples(int capacity) {
        values = new long[Math.max(1, capacity)];
    }

    void add(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    void addAll(Samples other) {
        final int count = other.size;
        if (size + count > values.length) {
            values = Arrays.copyOf(values, Math.max(size + count, size * 2));
        }
        System.arraycopy(other.values, 0, values, size, count);
        size += count;
    }

    int size() {
        return size;
    }

    /**
     * The smallest sample at least {@code p} percent of the samples are at or below; -1 when there are none. {@code p}
     * is taken to a thousandth, so that the rank is counted in whole numbers: 99.9 % of 3,000 samples is the 2,997th,
     * which in floating point would round up to the 2,998th.
     */
    long percentile(double p) {
        if (size == 0) {
            return -1;
        }
        final long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        final long thousandths = Math.round(p * 1000);
        final long rank = (thousandths * size + 99_999) / 100_000;
        return sorted[(int) Math.max(0, Math.min(size - 1, rank - 1))];
    }
}
