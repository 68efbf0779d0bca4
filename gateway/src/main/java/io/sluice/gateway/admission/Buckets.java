package io.sluice.gateway.admission;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sluice.gateway.config.SluiceConfig;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Process-wide state: every limiter bucket, surviving reloads (a key whose limits did not change keeps its bucket;
 * one whose limits changed gets a fresh one). Buckets of keys and models are bounded by the config; buckets of
 * client addresses by a size cap, oldest first. A bucket unused for {@value #IDLE_MINUTES} minutes is dropped: it
 * is full again by then, so dropping it forgets nothing.
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
    private final Cache<Key, TokenBucket> named = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(IDLE_MINUTES)).build();
    private final Cache<Key, TokenBucket> addresses = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(IDLE_MINUTES)).maximumSize(MAX_ADDRESSES).build();

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

    /** The request bucket of a client address, or null when {@code limits} sets no rate. */
    TokenBucket address(String address, SluiceConfig.RateLimits limits) {
        return limits.rps() <= 0 ? null : bucket(addresses, new Key("ip", address, limits.rps(), limits.burst()));
    }

    private TokenBucket bucket(Cache<Key, TokenBucket> cache, Key key) {
        final TokenBucket bucket = cache.getIfPresent(key);
        return bucket != null ? bucket
                : cache.get(key, k -> new TokenBucket(k.perSecond(), k.capacity(), clock));
    }
}
