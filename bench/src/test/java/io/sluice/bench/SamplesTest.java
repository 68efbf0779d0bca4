package io.sluice.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SamplesTest {
    @Test
    void aPercentileIsTheSmallestSampleThatManyAreAtOrBelow() {
        final Samples samples = new Samples();
        for (long value : new long[] {5, 1, 4, 2, 3, 10, 9, 8, 7, 6}) {
            samples.add(value);
        }
        assertEquals(10, samples.size());
        assertEquals(5, samples.percentile(50));
        assertEquals(9, samples.percentile(90));
        assertEquals(10, samples.percentile(99));
        assertEquals(1, samples.percentile(1));
    }

    @Test
    void growsPastItsFirstArrayAndSaysWhenItIsEmpty() {
        final Samples samples = new Samples();
        assertEquals(-1, samples.percentile(50));
        for (int i = 1; i <= 3000; i++) {
            samples.add(i);
        }
        assertEquals(3000, samples.size());
        assertEquals(1500, samples.percentile(50));
        assertEquals(2970, samples.percentile(99));
    }

    @Test
    void aFractionalPercentileCountsItsRankExactly() {
        final Samples samples = new Samples(3000);
        for (int i = 1; i <= 3000; i++) {
            samples.add(i);
        }
        // 99.9 / 100 * 3000 is 2997.0000000000005 in floating point, which rounded up would name the 2,998th.
        assertEquals(2997, samples.percentile(99.9));
        assertEquals(3000, samples.percentile(100));
        assertEquals(1, samples.percentile(0));
    }

    @Test
    void mergesAnotherClientsSamples() {
        final Samples merged = new Samples(2);
        merged.add(9000);
        final Samples other = new Samples();
        for (int i = 1; i <= 3000; i++) {
            other.add(i);
        }
        merged.addAll(other);
        merged.addAll(merged);
        assertEquals(6002, merged.size());
        assertEquals(9000, merged.percentile(100));
        assertEquals(1, merged.percentile(0));
        assertEquals(1501, merged.percentile(50));
    }
}
