package io.sluice.gateway.admission;

import io.sluice.gateway.config.SluiceConfig;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The configured client keys, found by the hash of what a client presents. The index is the hash's first eight
 * bytes; the match is a comparison of all 32 in constant time. A lookup's timing can only tell whether some stored
 * hash starts like the hash of the presented text, which says nothing about any key. Immutable, part of a snapshot.
 */
final class KeyRing {
    private record Entry(byte[] digest, SluiceConfig.ApiKey key) {
    }

    private final Map<Long, Entry> byPrefix = new HashMap<>();

    KeyRing(List<SluiceConfig.ApiKey> keys) {
        for (SluiceConfig.ApiKey key : keys) {
            final byte[] digest = KeyHash.bytesOf(key.hash());
            byPrefix.put(ByteBuffer.wrap(digest).getLong(), new Entry(digest, key));
        }
    }

    /** The key whose hash is {@code digest}, or null. */
    SluiceConfig.ApiKey find(byte[] digest) {
        final Entry entry = byPrefix.get(ByteBuffer.wrap(digest).getLong());
        return entry != null && KeyHash.same(entry.digest(), digest) ? entry.key() : null;
    }
}
