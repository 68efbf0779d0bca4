package io.sluice.gateway.admission;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.netty.util.NetUtil;
import io.sluice.gateway.config.SluiceConfig;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Process-wide state: every limiter bucket, surviving reloads (a key whose limits did not change keeps its bucket;
 * one whose limits changed gets a fresh one). Buckets of keys and models are bounded by the config; buckets of
 * client addresses by a size cap, least recently used first. A bucket is dropped once it is unused and full again
 * (and {@value #IDLE_MINUTES} minutes idle): a fresh one would be the same, so dropping it forgets nothing.
 *
 * <p>Thread-safe: a lookup of an existing bucket takes no lock; the first request of a key, model or address adds
 * its bucket with one map insert.
 */
public final class Buckets {
    private static final int IDLE_MINUTES = 15;
    private static final int MAX_ADDRESSES = 1_000_000;

    /** What a bucket counts and for whom, with the limits it was made with. */
    private record Key(String kind, String name, double perSecond, long capacity) {
    }

    private final LongSupplier clock;
    private final Cache<Key, TokenBucket> named = Caffeine.newBuilder().expireAfter(new UntilFull()).build();
    private final Cache<Key, TokenBucket> addresses = Caffeine.newBuilder().expireAfter(new UntilFull())
            .maximumSize(MAX_ADDRESSES).build();

    /**
     * A bucket is kept {@value #IDLE_MINUTES} minutes after its last use, or until it is full again if that is
     * later (a slow rate, a debt): dropped, it would come back full and forget what it still counts.
     */
    private static final class UntilFull implements Expiry<Key, TokenBucket> {
        private static long keep(TokenBucket bucket) {
            return Math.max(TimeUnit.MINUTES.toNanos(IDLE_MINUTES), bucket.nanosUntilFull());
        }

        @Override
        public long expireAfterCreate(Key key, TokenBucket bucket, long now) {
            return keep(bucket);
        }

        @Override
        public long expireAfterUpdate(Key key, TokenBucket bucket, long now, long current) {
            return keep(bucket);
        }

        @Override
        public long expireAfterRead(Key key, TokenBucket bucket, long now, long current) {
            return keep(bucket);
        }
    }

    /** @param clock {@link System#nanoTime}, or a test's clock */
    public Buckets(LongSupplier clock) {
        this.clock = clock;
    }

    /** The request bucket of a key, a model ({@code kind}) or the like, or null when {@code limits} sets no rate. */
    TokenBucket requests(String kind, String name, SluiceConfig.RateLimits limits) {
        return limits.rps() <= 0 ? null : bucket(named, new Key(kind, name, limits.rps(), limits.burst()));
    }

    /** The tokens-per-minute bucket of a key or a model, or null when {@code limits} counts no tokens. */
    TokenBucket tokens(String kind, String name, SluiceConfig.RateLimits limits) {
        return limits.tpm() <= 0 ? null
                : bucket(named, new Key(kind + "-tokens", name, limits.tpm() / 60.0, limits.tpm()));
    }

    /**
     * The request bucket of a client address, or null when {@code limits} sets no rate. IPv6 clients are counted by
     * their /64, the block one subscriber gets: counting single addresses would give each of them 2^64 buckets.
     */
    TokenBucket address(String address, SluiceConfig.RateLimits limits) {
        return limits.rps() <= 0 ? null
                : bucket(addresses, new Key("ip", network(address), limits.rps(), limits.burst()));
    }

    private static String network(String address) {
        if (address.indexOf(':') < 0) {
            return address;
        }
        final byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        return bytes == null || bytes.length != 16 ? address
                : HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
    }

    private TokenBucket bucket(Cache<Key, TokenBucket> cache, Key key) {
        final TokenBucket bucket = cache.getIfPresent(key);
        return bucket != null ? bucket
                : cache.get(key, k -> new TokenBucket(k.perSecond(), k.capacity(), clock));
    }
}
