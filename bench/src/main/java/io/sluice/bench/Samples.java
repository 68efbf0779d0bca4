package io.sluice.bench;

import java.util.Arrays;

/**
 * Microsecond samples, kept whole and sorted once for percentiles: the generator's times to first event and gaps
 * ({@link StreamLoad}), a capture's waits ({@link TtftSplit}). Not thread-safe: each is filled by one thread (the
 * generator's event loop).
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

    int size() {
        return size;
    }

    /** The smallest sample at least {@code p} percent of the samples are at or below; -1 when there are none. */
    long percentile(int p) {
        if (size == 0) {
            return -1;
        }
        final long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        return sorted[Math.min(size - 1, (int) Math.ceil(p / 100.0 * size) - 1)];
    }
}
