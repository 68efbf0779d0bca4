package io.sluice.bench;

import java.util.Arrays;

/**
 * Microsecond samples, kept whole and sorted once for percentiles: the generator's times to first event and gaps
 * ({@link StreamLoad}), a capture's waits ({@link TtftSplit}), a light load's latencies ({@link LightLoad}). Not
 * thread-safe: each is filled by one thread (the generator's event loop, a light load's client) and merged once
 * that thread is done.
 */
final class Samples {
    private long[] values = new long[1024];
    private int size;

    void add(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    void addAll(Samples other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i]);
        }
    }

    int size() {
        return size;
    }

    /** The smallest sample at least {@code p} percent of the samples are at or below; -1 when there are none. */
    long percentile(double p) {
        if (size == 0) {
            return -1;
        }
        final long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        // Less a hair, as a fraction such as 99.9 % is not exact in binary: 3,000 samples' p99.9 is the 2,997th.
        return sorted[Math.max(0, Math.min(size - 1, (int) Math.ceil(p / 100.0 * size - 1e-9) - 1))];
    }
}
