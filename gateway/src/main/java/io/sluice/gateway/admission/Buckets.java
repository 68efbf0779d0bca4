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
 * client addresses by a size cap, least recently used first. An unused bucket is dropped once it is sure to be full
 * again: a fresh one would be the same, so dropping it forgets nothing.
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
     * A bucket is kept {@value #IDLE_MINUTES} minutes after its last use, or twice the time it takes to fill if that
     * is longer (a slow rate; a debt is one bucket at most): by then it is full, and a fresh one would be the same.
     */
    private static final class UntilFull implements Expiry<Key, TokenBucket> {
        private static long keep(Key key) {
            final double fill = key.capacity() / key.perSecond() * 2e9;
            return (long) Math.min(Long.MAX_VALUE / 2.0, Math.max(TimeUnit.MINUTES.toNanos(IDLE_MINUTES), fill));
        }

        @Override
        public long expireAfterCreate(Key key, TokenBucket bucket, long now) {
            return keep(key);
        }

        @Override
        public long expireAfterUpdate(Key key, TokenBucket bucket, long now, long current) {
            return keep(key);
        }

        @Override
        public long expireAfterRead(Key key, TokenBucket bucket, long now, long current) {
            return keep(key);
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
        if (bytes == null || bytes.length != 16) {
            return address;
        }
        if (isIpv4Mapped(bytes)) {
            // ::ffff:a.b.c.d from a dual-stack proxy is the IPv4 client itself.
            return (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "." + (bytes[15] & 0xff);
        }
        return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
    }

    /** {@code ::ffff:0:0/96}: ten zero bytes, then two 0xff. */
    private static boolean isIpv4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    private TokenBucket bucket(Cache<Key, TokenBucket> cache, Key key) {
        final TokenBucket bucket = cache.getIfPresent(key);
        return bucket != null ? bucket
                : cache.get(key, k -> new TokenBucket(k.perSecond(), k.capacity(), clock));
    }
}
