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
        assertEquals(2997, samples.percentile(99.9));
        assertEquals(3000, samples.percentile(100));
        final Samples merged = new Samples();
        merged.add(9000);
        merged.addAll(samples);
        assertEquals(3001, merged.size());
        assertEquals(9000, merged.percentile(100));
        assertEquals(1, merged.percentile(0));
    }
}
