package io.sluice.gateway.balance;

import io.netty.buffer.ByteBuf;

/**
 * A 64-bit hash for affinity keys and ring points: FNV-1a over the bytes, then MurmurHash3's finaliser so that
 * similar keys land far apart on the ring. Never 0 (0 means "no key").
 */
public final class AffinityHash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private AffinityHash() {
    }

    /** The hash of {@code length} bytes of {@code buf} from absolute index {@code from}. */
    public static long of(ByteBuf buf, int from, int length) {
        long h = FNV_OFFSET;
        for (int i = from; i < from + length; i++) {
            h = (h ^ (buf.getByte(i) & 0xff)) * FNV_PRIME;
        }
        return finish(h);
    }

    /** The hash of a session value, or 0 (no key) when there is none. */
    public static long ofValue(String value) {
        return value == null || value.isEmpty() ? 0 : of(value);
    }

    /** The hash of the UTF-16 code units of {@code text}. */
    public static long of(CharSequence text) {
        long h = FNV_OFFSET;
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * FNV_PRIME;
        }
        return finish(h);
    }

    private static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }
}
