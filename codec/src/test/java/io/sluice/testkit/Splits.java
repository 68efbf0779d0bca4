package io.sluice.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Ways to cut a byte stream into the pieces a network might deliver: a stream parser must give the same answer
 * for all of them.
 */
public final class Splits {
    private Splits() {
    }

    /** Every way to cut {@code bytes} in two, the whole, one byte at a time, and some random cuts. */
    public static List<List<byte[]>> all(byte[] bytes, long seed) {
        final List<List<byte[]>> splits = new ArrayList<>();
        splits.add(List.of(bytes));
        for (int cut = 1; cut < bytes.length; cut++) {
            splits.add(List.of(Arrays.copyOfRange(bytes, 0, cut), Arrays.copyOfRange(bytes, cut, bytes.length)));
        }
        splits.add(pieces(bytes, 1));
        final Random random = new Random(seed);
        for (int i = 0; i < 20; i++) {
            splits.add(random(bytes, random));
        }
        return splits;
    }

    /** Cuts into pieces of {@code size} bytes (the last may be shorter). */
    public static List<byte[]> pieces(byte[] bytes, int size) {
        final List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += size) {
            pieces.add(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size)));
        }
        return pieces;
    }

    /** Cuts at random places into pieces of 1 to 64 bytes. */
    public static List<byte[]> random(byte[] bytes, Random random) {
        final List<byte[]> pieces = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            final int size = 1 + random.nextInt(64);
            pieces.add(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size)));
            i += size;
        }
        return pieces;
    }
}
